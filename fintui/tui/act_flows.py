"""The console's acts: ask → plan (the guard speaks here) → confirm → run with progress.

Attached to an agent, every plan is made, held and run by the agent as this OS account (the
agent holds the Docker socket; a desk account may watch and be refused); with its own watch,
by this process's operations layer. The flows are the same either way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from fintui.agent.attached import AttachedWatch
from fintui.agent.client import AgentFailed, AgentRefused, AgentUnavailable
from fintui.agent.remote_ops import Acts, RemoteOperations, drop_plan
from fintui.core.alerts import Alert, alert_target
from fintui.core.running_acts import RunningActs
from fintui.ops.clean import choose as choose_clean
from fintui.ops.operations import Operations, Plan, Refused
from fintui.tui.container_flows import CONTAINER_KEYS, container_plan, shell_flow
from fintui.tui.key_order import KeysInOrder, gives_keys_back
from fintui.tui.pane_spec import News
from fintui.tui.release_flows import RELEASE_ACTS, ask_to_quit, release_flow
from fintui.tui.screens.actions import ConfirmScreen, ProgressScreen, ScaleScreen
from fintui.tui.screens.cleanup import CleanupScreen
from fintui.tui.screens.silence import SilenceScreen
from fintui.tui.widgets.safe import safe_line
from fintui.watch.state import ClusterState

if TYPE_CHECKING:
    from fintui.model import Container
    from fintui.watch.watch import Watch
    from fintui.wiring import Parts


# Keys are held from E until the shell ends (its flow drops them then), however long it runs:
# given back early they would reach the console while the shell still has the terminal.
SHELL_HOLD = 7 * 86400.0


class ActFlows(KeysInOrder):
    """Mixed into the console's App: the state and parts it acts on are the console's."""

    parts: Parts
    state: ClusterState
    ops: Operations  # the first endpoint's, as this process: used without an agent
    watcher: Watch | AttachedWatch
    _endpoint_ops: dict[str, Operations]
    agent_role: RemoteOperations | None = None  # what the agent said this account may do
    shell_open = False  # a shell is being opened or runs: a second E waits for its end
    _releases: RunningActs | None = None

    @property
    def releases(self) -> RunningActs:
        """The releases this console started: they outlive their progress screens."""
        if self._releases is None:
            self._releases = RunningActs()
        return self._releases

    async def action_quit(self) -> None:
        ask_to_quit(self)  # asks first while a release runs in the background

    def refresh_panes(self, news: News, only: str | None = None) -> None:
        """Redraw the panes this news concerns (the console's app does)."""

    @property
    def main(self) -> Screen[object]:
        """The console's own screen: panes live there even while a modal screen is on top
        (App.query_one would search the modal and miss them)."""
        return self.screen_stack[0]

    @property
    def role(self) -> str:
        """The role acts are judged by: the agent's word on this account while attached."""
        if isinstance(self.watcher, AttachedWatch) and self.agent_role is not None:
            return self.agent_role.role
        return self.ops.role

    def ops_for(self, endpoint: str) -> Acts:
        """The operations layer over the endpoint a row came from: through the agent while
        attached (as this OS account), else this process's own."""
        watch = self.watcher
        if isinstance(watch, AttachedWatch):
            remote = RemoteOperations(watch.path, endpoint, self.parts.override_reason,
                                      self.parts.read_only)
            if self.agent_role is not None:
                remote.adopt(self.agent_role)
            return remote
        return self.local_ops(endpoint)

    def local_ops(self, endpoint: str) -> Operations:
        """This process's own operations layer over an endpoint (a shell runs here)."""
        return self._endpoint_ops.get(endpoint, self.ops)

    def role_changed(self) -> None:
        """Grey out (or not) the action keys and the header's read-only mark."""

    @work(exclusive=True, group="agent-role", exit_on_error=False)
    async def ask_role(self, watch: AttachedWatch) -> None:
        """What the agent lets this account do, asked once a console attaches."""
        remote = RemoteOperations(watch.path, override=self.parts.override_reason,
                                  read_only=self.parts.read_only)
        try:
            await remote.refresh()
        except (AgentUnavailable, AgentFailed, AgentRefused):
            return  # the agent still judges each act; only the keys stay as they are
        if self.watcher is watch:
            self.agent_role = remote
            self.role_changed()

    def refused(self, what: str, exc: Exception) -> None:
        self.notify(safe_line(str(exc)), title=f"{what} refused", severity="error",
                    markup=False, timeout=8)
        self.acted()

    def acted(self) -> None:
        """An act of this console ended: the panes that show acts (Audit) read them again, so
        its record is there at once."""
        self.refresh_panes("acted")

    @work(group="ack", exit_on_error=False)
    async def ack_flow(self, alert: Alert) -> None:
        try:
            said = await self.watcher.ack(self.ops, alert.rule, alert.target, self.parts.actor)
        except Refused as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        finally:
            self.acted()
        self.notify(safe_line(said), markup=False)

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    @gives_keys_back
    async def silence_flow(self, alert: Alert) -> None:
        decision = self.ops_for("").may("silence")
        if not decision.allowed:  # say no before a comment is typed in vain
            if isinstance(self.watcher, AttachedWatch):
                self.notify(safe_line(decision.reason), severity="error", markup=False)
                return
            try:
                self.ops.record("silence", alert.target, {"rule": alert.rule})
            except Refused as exc:  # always, for a viewer: the refusal is audited
                self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        silence = await self.push_screen_wait(SilenceScreen(alert, self.parts.actor,
                                                            self.parts.clock.now()))
        if silence is None:
            return
        try:
            said = await self.watcher.silence(self.ops, silence)
        except Refused as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        finally:
            self.acted()
        self.notify(safe_line(said), markup=False)

    def isolate_alert_target(self, alert: Alert) -> None:
        snap = self.state.snapshot
        target = next((c for c in (snap.containers if snap else ())
                       if alert_target(c) == alert.target), None)
        if target is None:
            self.notify(safe_line(f"{alert.target} is no longer there"), markup=False)
            return
        self.action_flow("isolate", target)

    @work(group="shell", exit_on_error=False)
    @gives_keys_back
    async def shell_worker(self, container: Container) -> None:
        """A shell: not in the exclusive action group, whose next key would cancel it while
        the terminal is handed over (two readers of one terminal); one at a time."""
        if self.shell_open:
            self.notify("a shell is already opening or open", markup=False)
            return
        self.shell_open = True
        # Keys typed after E were meant for the shell, not the console (`Eq` must not quit
        # under it); the shell cannot be handed them, so they are dropped, and said so.
        self.hold_all(SHELL_HOLD)
        try:
            await shell_flow(self, container)
        finally:
            self.shell_open = False
            dropped = self.drop_held_keys()
            if dropped:
                self.notify(f"{dropped} key(s) typed while the shell opened were not the "
                            "console's: dropped", markup=False, timeout=4)

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    @gives_keys_back
    async def action_flow(self, action: str, container: Container) -> None:
        if action in RELEASE_ACTS:  # R, B (release_flows.py)
            return await release_flow(self, action, container)
        ops = self.ops_for(container.endpoint)
        try:
            if action == "scale":
                target, current = scale_target(container, self.state)
                if not ops.may("scale").allowed:  # refuse (and audit) before asking
                    await ops.plan_scale(target, current)
                replicas = await self.push_screen_wait(ScaleScreen(target, current))
                if replicas is None:
                    return
                plan = await ops.plan_scale(target, replicas)
            elif action == "isolate":
                plan = await ops.plan_isolate(container.id)
            elif action in CONTAINER_KEYS:  # r x p K D (container_flows.py)
                asked = await container_plan(self, ops, action, container)
                if asked is None:
                    return
                plan = asked
            else:
                plan = await ops.plan_release(container.id)
        except Refused as exc:
            self.refused(action, exc)
            return
        await self.confirm_and_run(plan, ops)

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    @gives_keys_back
    async def node_flow(self, node: str, availability: str, endpoint: str = "") -> None:
        ops = self.ops_for(endpoint)
        try:
            plan = await ops.plan_node(node, availability)
        except Refused as exc:
            self.refused("drain" if availability == "drain" else "activate", exc)
            return
        await self.confirm_and_run(plan, ops)

    async def plan_clean(self, endpoint: str) -> tuple[Plan, Acts] | None:
        """The clean plan for an endpoint's storage, or None (said why) when there is none."""
        ops = self.ops_for(endpoint)
        try:
            plan = await ops.plan_clean(snapshot=self.state.snapshot, disk=self.state.disk)
        except Refused as exc:
            self.refused("clean", exc)
            return None
        if plan.cleanup is None or not plan.cleanup.candidates:
            await drop_plan(ops, plan)
            self.notify("nothing to clean: every object is in use, protected or too young",
                        markup=False)
            return None
        return plan, ops

    async def run_clean(self, plan: Plan, ops: Acts) -> None:
        selected = await self.push_screen_wait(CleanupScreen(plan))
        if selected is None:
            await drop_plan(ops, plan)
            self.notify("cancelled: nothing changed", markup=False)
            return
        choose_clean(plan, selected)
        await self.push_screen_wait(ProgressScreen(ops, plan))
        self.acted()

    async def confirm_and_run(self, plan: Plan, ops: Acts) -> None:
        """Confirm (twice where the plan says so) → run with progress → refresh at once."""
        if not await self.push_screen_wait(ConfirmScreen(plan)):
            await drop_plan(ops, plan)
            self.notify("cancelled: nothing changed", markup=False)
            return
        await self.push_screen_wait(ProgressScreen(ops, plan))
        self.watcher.wake()
        self.acted()


def scale_target(container: Container, state: ClusterState) -> tuple[str, int]:
    """What `s` scales for a row: its compose project/service or Swarm service, and how many
    are running now. A standalone container is passed as it is; the guard refuses it."""
    if not container.service:
        return container.name, 1
    target = container.group
    snap = state.snapshot
    members = [c for c in (snap.containers if snap else ()) if c.group == target
               and c.endpoint == container.endpoint and c.state == "running"
               and c.id not in state.isolated]
    return target, len(members)

