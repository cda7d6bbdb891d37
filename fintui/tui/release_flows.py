"""Releases from the console: R rolls a service out to an image, B rolls it back.

Guard → (which image) → plan → confirm, as every act; then the release runs in a worker of
the console, not of its progress screen: closing that screen leaves it running, the service's
rows marked (`↑ 2/4 →2.4.2`), and R or B on them opens it again with every line so far."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from textual.css.query import NoMatches

from fintui.agent.remote_ops import Acts, drop_plan
from fintui.core.image_choices import ImageChoice, image_choices
from fintui.core.running_acts import RunningAct, cut_short
from fintui.ops.approvals import refusal_line
from fintui.ops.operations import Failed, Plan, Refused, failure_line
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.rollout import LeaveScreen, ReleaseProgressScreen, RolloutScreen
from fintui.tui.widgets.safe import safe_line

if TYPE_CHECKING:
    from fintui.model import Container
    from fintui.tui.act_flows import ActFlows

RELEASE_ACTS = ("rollout", "rollback")
_SAID = {"rollout": "roll out", "rollback": "roll back"}


def release_target(container: Container) -> str:
    """What the operations layer releases for a row: its compose `project/service`, or its
    Swarm service (as scaling names them)."""
    return container.group


async def release_flow(app: ActFlows, action: str, container: Container) -> None:
    if not container.service:
        app.notify(safe_line(f"{container.name} is a standalone container, not part of a "
                             f"service: nothing to {_SAID[action]}"), markup=False)
        return
    running = app.releases.running(container.group_key)
    if running is not None:  # one release of a service at a time: show the one under way
        show_progress(app, running)
        return
    service = release_target(container)
    ops = app.ops_for(container.endpoint)
    image = ""
    try:
        if action == "rollback":
            plan = await ops.plan_rollback(service)
        else:
            current = service_image(app, container)
            if not ops.may("rollout").allowed:  # refuse (and audit) before asking
                await ops.plan_rollout(service, current)
            choices = await images_on(app, container, current)
            choice = await app.push_screen_wait(RolloutScreen(service, current, choices,
                                                              running_replicas(app, container)))
            if choice is None:
                return
            image = choice.image
            plan = await ops.plan_rollout(service, image, choice.canary, 0.0,
                                          choice.parallelism)
    except Refused as exc:
        app.refused(action, exc)
        return
    if not await app.push_screen_wait(ConfirmScreen(plan)):
        await drop_plan(ops, plan)
        app.notify("cancelled: nothing changed", markup=False)
        return
    act = app.releases.start(RunningAct(container.group_key, action, service, image,
                                        handle=(ops, plan)))
    # The console's worker, in its own group: neither closing the screen nor the next act
    # (the action flow's group is exclusive) stops a release half way.
    app.run_worker(run_release(app, ops, plan, act), group="release", exit_on_error=False)
    show_progress(app, act)


def running_replicas(app: ActFlows, container: Container) -> int:
    """The replicas a canary must be fewer than, as the planner counts them: a Swarm
    service's desired replicas, a compose service's running ones (0 when not known)."""
    snap = app.state.snapshot
    if snap is None:
        return 0
    if not container.project:
        desired = next((s.desired for s in snap.services if s.mode != "compose"
                        and (s.name, s.endpoint) == (container.service, container.endpoint)),
                       None)
        if desired is not None:
            return desired
    return sum(1 for c in snap.containers
               if c.group_key == container.group_key and c.state == "running")


def service_image(app: ActFlows, container: Container) -> str:
    """What the service runs now, whichever of its rows is selected (an old task's row keeps
    the image it ran): a Swarm service's spec, else the image most of its live replicas run."""
    snap = app.state.snapshot
    if snap is not None and not container.project:
        spec = next((s for s in snap.services if s.name == container.service
                     and s.endpoint == container.endpoint and s.mode != "compose"), None)
        if spec is not None and spec.image:
            return spec.image.split("@", 1)[0]
    members = [c.image for c in (snap.containers if snap else ())
               if c.group_key == container.group_key and c.state == "running"]
    image = max(set(members), key=members.count) if members else container.image
    return image.split("@", 1)[0]


async def images_on(app: ActFlows, container: Container, current: str
                    ) -> list[ImageChoice]:
    """The images on the row's endpoint, from its disk-usage reading (read again when old)."""
    storage = container.endpoint if len(app.parts.endpoints) > 1 else ""
    disk = app.watcher.disks.get(storage)
    interval = app.parts.settings.cleanup.disk_usage_interval
    now = app.parts.clock.now()
    if disk is None or (now - disk.taken_at).total_seconds() > interval:
        app.notify("reading the images on this endpoint…", markup=False, timeout=2)
        await app.watcher.read_disks([storage])
        disk = app.watcher.disks.get(storage)
    return image_choices(disk.images if disk else (), current, now)


def show_progress(app: ActFlows, act: RunningAct) -> None:
    ops, plan = cast("tuple[Acts, Plan]", act.handle)
    app.push_screen(ReleaseProgressScreen(ops, plan, act))


async def run_release(app: ActFlows, ops: Acts, plan: Plan, act: RunningAct) -> None:
    def line(text: str) -> None:
        act.add(text)
        shown(app, act)

    shown(app, act)
    try:
        await ops.execute(plan, line)
    except Refused as exc:  # or waits for approval (said so, not "refused")
        act.end(False, refusal_line(exc))
    except Failed as exc:
        act.end(False, failure_line(str(exc)))
    else:
        act.end(True, "done")
    finally:
        if not act.finished:  # cancelled as the console closes, or an error of our own
            act.end(False, "outcome unknown: the console stopped following it")
        shown(app, act)
    app.notify(safe_line(act.ending), title=act.action, markup=False, timeout=10,
               severity="information" if act.ok else "error")
    app.watcher.wake()
    app.acted()


def shown(app: ActFlows, act: RunningAct) -> None:
    """Bring the rows' marks and any open progress screen of this act up to date."""
    if not app.screen_stack:  # a line that lands while the console closes
        return
    for screen in app.screen_stack:
        if isinstance(screen, ReleaseProgressScreen) and screen.act is act:
            screen.follow()
    try:
        pane = app.main.query_one(ContainersPane)
    except NoMatches:
        return
    marks, said = app.releases.marks(), app.releases.said()
    if marks != pane.marks or said != pane.releases_said:
        pane.marks, pane.releases_said = marks, said
        pane.refresh_rows()


# How long quitting waits for a cut-short release to tidy up (a compose batch's new replicas).
TIDY = 10.0


def ask_to_quit(app: ActFlows) -> None:
    """q: quit at once, unless releases run; then ask, naming each and what quitting leaves."""
    running = app.releases.all_running()
    if not running:
        app.exit()
        return
    said = []
    for act in running:
        _, plan = cast("tuple[Acts, Plan]", act.handle)
        kind = str(plan.parameters.get("kind") or ("compose" if "/" in act.service
                                                   else "swarm"))
        to = f" to {act.image}" if act.image else ""
        said.append((f"{act.mark}  {act.action} of {act.service}{to}",
                     cut_short(act.action, act.service, kind,
                               bool(plan.parameters.get("canary")))))

    def answer(leave: bool | None) -> None:
        if leave:
            app.run_worker(leave_after_tidying(app), group="leave", exit_on_error=False)

    app.push_screen(LeaveScreen(said), answer)


async def leave_after_tidying(app: ActFlows) -> None:
    """Stop following the releases (each records itself as interrupted and tidies what it
    can), waiting a little for that, then quit."""
    releases = [worker for worker in app.workers if worker.group == "release"]
    if releases:
        app.notify("stopping the releases under way…", markup=False, timeout=TIDY)
    for worker in releases:
        worker.cancel()
    for _ in range(int(TIDY / 0.1)):
        if all(worker.is_finished for worker in releases):
            break
        await asyncio.sleep(0.1)
    app.exit()
