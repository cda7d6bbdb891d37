"""Following a Swarm update (or rollback) to its end: tasks counted on the new image, the
update's own state (UpdateStatus.State) read, the canary judged during its watch, and a fault
answered with Swarm's rollback. rollout_swarm.py plans; this runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from fintui.core import canary as rule
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_release import ReleaseTask, ServiceRelease, bare_image
from fintui.ops.plan import Failed
from fintui.sources.capabilities import Releasable

POLL = 0.5  # seconds between reads of the service and its tasks


def canary_facts(tasks: Iterable[ReleaseTask], image: str, service: str,
                 ignore: frozenset[str] = frozenset()) -> list[rule.CanaryFacts]:
    """Per slot on `image`: its first failed task (a slot that failed once is a canary that
    failed, though Swarm has started another), else its newest. Tasks in `ignore` (there
    before the update: an earlier attempt's) are not this canary's. Pure."""
    slots: dict[str, list[ReleaseTask]] = {}
    for t in tasks:
        if t.id not in ignore and bare_image(t.image) == bare_image(image):
            slots.setdefault(str(t.slot) if t.slot else t.id[:12], []).append(t)
    out: list[rule.CanaryFacts] = []
    for key, group in sorted(slots.items()):
        group.sort(key=lambda t: t.created)
        failed = [t for t in group if t.state in rule.TASK_FAILED
                  or (t.exit_code and t.state in ("complete", "shutdown"))]
        pick = failed[0] if failed else group[-1]
        out.append(rule.CanaryFacts(f"task {service}.{key}", pick.state, pick.exit_code,
                                    restarts=max(0, len(failed) - 1),
                                    error=one_line(pick.error)))
    return out


class Follow:
    """One service's update, followed. `before`: the update status it had when planned (an
    earlier update's state is not this one's)."""

    def __init__(self, releases: Releasable, svc: ServiceRelease, timeout: float,
                 replicas: int) -> None:
        self.releases = releases
        self.svc = svc
        self.name = svc.name
        self.timeout = timeout
        self.replicas = replicas
        self.earlier: frozenset[str] = frozenset()

    async def _read(self) -> tuple[ServiceRelease, list[ReleaseTask], str]:
        now = await self.releases.service_release(self.svc.id)
        tasks = await self.releases.release_tasks(self.svc.id)
        state = now.update_state if now.update_started != self.svc.update_started else ""
        return now, tasks, state

    def _count(self, note: Journal, now: ServiceRelease, tasks: list[ReleaseTask],
               image: str, shown: str, back: bool = False) -> tuple[int, int, int, str]:
        """(on the image and running, expected, live) and the progress line, said when new."""
        live = [t for t in tasks if t.desired_state == "running"]
        on = sum(1 for t in live
                 if t.state == "running" and bare_image(t.image) == bare_image(image))
        expected = now.replicas if now.replicas is not None else len(live)
        line = f"{self.name}: {on}/{expected} tasks {'back ' if back else ''}on {one_line(image)}"
        if line != shown:
            note(line)
        return on, expected, len(live), line

    async def rollout(self, note: Journal, image: str, canary: int, watch: float) -> int:
        """Follow the update to `image` to its end; the tasks on it. Failed (after rolling
        back) on a canary fault or Swarm's own rollback, Failed on a pause or the timeout."""
        deadline = time.monotonic() + self.timeout
        shown, watch_from, proven = "", 0.0, canary == 0
        while True:
            now, tasks, state = await self._read()
            on, expected, live, shown = self._count(note, now, tasks, image, shown)
            if state.startswith("rollback"):  # Swarm's failure action: the rollout failed
                facts = canary_facts(tasks, image, self.name, self.earlier)
                reason = rule.judge(facts) or one_line(now.update_message) or \
                    "Swarm rolled the update back"
                if not canary:  # the rule names its subject a canary: here it was none
                    reason = reason.removeprefix("canary ")
                note(f"Swarm is rolling {self.name} back: {reason}")
                await self._rolled_back(note, reason, image)
            if state == "paused":
                raise Failed(f"{self.name}: Swarm paused the update: "
                             f"{one_line(now.update_message) or 'no reason given'}")
            if not proven:
                facts = canary_facts(tasks, image, self.name, self.earlier)
                if reason := rule.judge(facts):
                    await self._roll_back(note, reason, image)
                running = sum(1 for f in facts if f.state == "running")
                if not watch_from and running >= canary:
                    watch_from = time.monotonic()
                    note(f"watching {canary} canary task(s) of {self.name} for {watch:g} s")
                elif watch_from and time.monotonic() - watch_from >= watch:
                    if reason := rule.judge(facts, final=True):
                        await self._roll_back(note, reason, image)
                    proven = True
                    note(f"the canary ran {watch:g} s without a fault: the rest follows")
            elif state == "completed" and on == expected == live:
                return on
            if time.monotonic() > deadline:
                raise Failed(f"{self.name}: after {self.timeout:g} s, {on}/{expected} tasks "
                             f"run {one_line(image)} (Swarm's update: {state or 'not begun'})"
                             f"; it was not undone: `fintui rollback {self.name}` takes it "
                             "back")
            await asyncio.sleep(POLL)

    async def _roll_back(self, note: Journal, reason: str, image: str) -> None:
        """A canary fault: Swarm's rollback, unless Swarm began its own meanwhile (its
        previous spec is then the new image's: asking again would go forward)."""
        now = await self.releases.service_release(self.svc.id)
        if bare_image(now.image) == bare_image(image) and not (
                now.update_state.startswith("rollback")
                and now.update_started != self.svc.update_started):
            note(f"rolling back: {reason}")
            note.trying(f"rolling service {self.name} back to {bare_image(self.svc.image)}")
            await self.releases.rollback_service(self.svc.id)
        await self._rolled_back(note, reason, image)

    async def _rolled_back(self, note: Journal, reason: str, image: str) -> None:
        """Follow the rollback to its end, then stop the rollout: Failed naming the fault."""
        old = bare_image(self.svc.image)
        note.undo = ""
        note.partial.update(outcome="rolled_back", rolled_back=True, reason=reason)
        try:
            await self.back(note, old)
        except Failed as exc:
            raise Failed(f"rolled back: {reason}; the rollback did not finish: {exc}") from None
        note.changed(f"service {self.name}: rolled back to {one_line(old)}")
        raise Failed(f"rolled back: {reason}")

    async def back(self, note: Journal, to: str) -> int:
        """Follow a rollback until every task runs `to` again; the tasks on it."""
        deadline = time.monotonic() + self.timeout
        shown = ""
        while True:
            now, tasks, state = await self._read()
            on, expected, live, shown = self._count(note, now, tasks, to, shown, back=True)
            if state == "rollback_paused":
                raise Failed(f"{self.name}: Swarm paused the rollback: "
                             f"{one_line(now.update_message) or 'no reason given'}")
            if on == expected == live and state not in ("rollback_started", "updating"):
                return on
            if time.monotonic() > deadline:
                raise Failed(f"{self.name}: after {self.timeout:g} s, {on}/{expected} tasks "
                             f"run {one_line(to)} (Swarm's state: {state or 'unknown'})")
            await asyncio.sleep(POLL)
