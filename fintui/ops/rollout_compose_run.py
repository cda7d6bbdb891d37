"""Running a compose rollout: replicas replaced a batch at a time, new before old, so that
never fewer replicas run than at the start. A new replica must run (and pass its health check,
where it has one) before an old one goes; a canary batch is then watched. A failure removes
that batch's new replicas (its old ones are all still there) and puts the replicas replaced in
earlier batches back on the image they ran, again new before old."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Protocol

from fintui.core import canary as canary_rule
from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_ops import ContainerFacts
from fintui.ops.plan import Failed
from fintui.ops.replicas import Copying, create_started
from fintui.sources.base import ActionFailed, ContainerGone
from fintui.sources.capabilities import ContainerReader

POLL = 0.25  # seconds between reads of a replica being waited on or watched
# How long a new replica without a health check must keep running to count as up: a command
# that fails at once (a bad image, a missing setting) has exited by then.
SETTLE = 2.0


class Rolling(Copying, ContainerReader, Protocol):
    """Read, copy (onto another image), start, stop and remove containers."""


class ReplicaFault(Exception):
    """A new replica that will not do: it exited, keeps restarting, is unhealthy, vanished,
    or was not up in time. The message names it and says which."""


@dataclass
class Swap:
    """One replica replaced: the old one as read before it went (its workload can make it
    again), and its replacement."""

    old: ContainerFacts
    new_id: str
    new_name: str


def fault_of(facts: ContainerFacts, name: str) -> str:
    """What is wrong with a new replica now ("" when nothing, or not yet known)."""
    code = f" (exit code {facts.exit_code})" if facts.exit_code is not None else ""
    if facts.state in ("exited", "dead"):
        return f"{name} exited{code}"
    if facts.state == "restarting":
        return f"{name} keeps restarting{code}"
    if facts.health == "unhealthy":
        return f"{name} failed its health check"
    if facts.restarts:
        return f"{name} restarted {facts.restarts} time(s){code}"
    if facts.state == "paused":
        return f"{name} was paused"
    return ""


def canary_fault(seen: list[ContainerFacts], names: list[str], final: bool = False) -> str:
    """The canary rule (fintui/core/canary.py) on the canaries as read now ("" when fit)."""
    return canary_rule.judge([canary_rule.CanaryFacts(name, c.state, c.exit_code, c.health,
                                                      c.restarts)
                              for c, name in zip(seen, names, strict=True)], final=final)


def is_up(facts: ContainerFacts) -> bool:
    """Running and, with a health check, healthy (without one, `SETTLE` decides)."""
    return facts.state == "running" and facts.health in ("", "healthy")


@dataclass
class Replacer:
    """Replaces replicas of one compose service, and undoes that on a fault."""

    actions: Rolling
    note: Journal
    target: str
    image: str  # the image new replicas run
    number: int  # the next compose number to give
    timeout: float  # seconds a batch's new replicas have to come up
    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # "old → new", as the record says
    restored: list[str] = field(default_factory=list)
    swaps: list[Swap] = field(default_factory=list)  # done, in order
    image_labels: dict[str, str] = field(default_factory=dict)  # on new-image replicas

    def __post_init__(self) -> None:
        self.note.partial.update(created=self.created, removed=self.removed,
                                 replaced=self.replaced, restored=self.restored)

    async def batch(self, olds: list[ContainerFacts], watch: float = 0.0) -> None:
        """Replace these replicas: new ones up (and watched for `watch` s), then the old
        ones stopped and removed. Failed, after the undo, on a fault."""
        fresh: list[Swap] = []
        try:
            for old in olds:
                try:
                    template = await self.actions.container(old.id)
                except ContainerGone:  # removed by someone since the plan: none to replace
                    self.note(f"{one_line(old.name)} is gone already: not replaced")
                    continue
                await self._replacement(template, fresh)
            await self.wait_up(fresh, self.timeout)
            if watch > 0:
                await self.watch(fresh, watch)
        except (ReplicaFault, ActionFailed, ContainerGone) as exc:
            if not isinstance(exc, ReplicaFault):
                self.note.pending = ""  # the daemon answered (an error): it did not do it
            reason = str(exc) if isinstance(exc, ReplicaFault) else one_line(
                f"a new replica could not be made: {exc}")
            if watch > 0 and not reason.startswith("canary "):
                reason = f"canary {reason}"
            await self.undo(fresh, reason)
        except asyncio.CancelledError:  # ^C, or the console closing: no strays left behind
            await self.cut_short(fresh)
            raise
        for at, swap in enumerate(fresh):
            try:
                await self._retire(swap.old)
            except asyncio.CancelledError:
                await self.cut_short(fresh[at + 1:], retiring=swap)
                raise
            self.swaps.append(swap)
            self.replaced.append(f"{one_line(swap.old.name)} → {swap.new_name}")

    async def cut_short(self, fresh: list[Swap], retiring: Swap | None = None) -> None:
        """Interrupted mid-batch: best effort, so that as many replicas run as at the start
        and a later rollout finds no strays. The batch's new replicas whose old one still
        runs are removed; the one whose old one was being removed replaces it (that removal
        is finished). Each step is journaled; one that fails is said and the rest go on."""
        if retiring is None and not fresh:
            return
        self.note("interrupted: removing the new replicas of the batch under way")
        if retiring is not None:
            name = one_line(retiring.old.name)
            try:
                self.note.trying(f"removing {name}")
                await self.actions.stop_and_remove(retiring.old.id)
                self.removed.append(name)
                self.note.changed(f"removed {name}")
            except ContainerGone:
                self.note.changed(f"{name} was already gone")
            except (ActionFailed, OSError) as exc:
                self.note(one_line(f"{name} could not be removed: {exc}"))
            self.swaps.append(retiring)
            self.replaced.append(f"{name} → {retiring.new_name}")
        for swap in fresh:
            try:
                await self._remove_new(swap)
            except (ActionFailed, ContainerGone, OSError) as exc:
                self.note(one_line(f"{swap.new_name} could not be removed: {exc}"))

    async def _replacement(self, template: ContainerFacts, into: list[Swap],
                           image: str | None = None) -> None:
        """A new replica made from `template` (a container's own read), on `image` (None:
        the rollout's; "": the template's own), under the next number, started and not yet
        waited on. It joins `into` as soon as it exists: started or not, a fault removes it."""
        number, self.number = self.number, self.number + 1
        name = scaling.replica_name(template.name, template.compose_project,
                                    template.compose_service, number)

        def made(new_id: str) -> None:
            self.created.append(name)
            into.append(Swap(template, new_id, name))

        labels = scaling.replica_labels(template, number)
        if image is None:
            labels.update({k: v for k, v in self.image_labels.items() if k in labels})
        await create_started(self.actions, template, name, labels, template.networks,
                             template.restart_policy, self.note, made,
                             self.image if image is None else image)

    async def _retire(self, old: ContainerFacts) -> None:
        name = one_line(old.name)
        self.note.trying(f"stopping and removing {name}")
        try:
            await self.actions.stop_and_remove(old.id)
        except ContainerGone:  # someone else removed it meanwhile: it is gone either way
            self.note.changed(f"{name} was already gone")
            return
        self.removed.append(name)
        self.note.changed(f"removed {name}")

    async def wait_up(self, swaps: list[Swap], timeout: float) -> None:
        """Until every new replica is up; ReplicaFault at the first that will not be."""
        deadline = time.monotonic() + timeout
        running_since: dict[str, float] = {}
        pending = list(swaps)
        while pending:
            for swap in list(pending):
                facts = await self._read(swap)
                fault = fault_of(facts, swap.new_name)
                if fault:
                    raise ReplicaFault(fault)
                now = time.monotonic()
                if not is_up(facts):
                    running_since.pop(swap.new_id, None)
                    continue
                since = running_since.setdefault(swap.new_id, now)
                if facts.health == "healthy" or now - since >= SETTLE:
                    pending.remove(swap)
                    self.note(f"{swap.new_name} is up"
                              + (" and healthy" if facts.health == "healthy" else ""))
            if pending and time.monotonic() > deadline:
                late = pending[0]
                facts = await self._read(late)
                how = facts.state + (f", {facts.health}" if facts.health else "")
                raise ReplicaFault(f"{late.new_name} was not up after {timeout:g} s ({how})")
            if pending:
                await asyncio.sleep(POLL)

    async def watch(self, swaps: list[Swap], seconds: float) -> None:
        """Watch the canaries: a fault on any in `seconds` is a ReplicaFault."""
        self.note(f"watching {len(swaps)} canary replica(s) for {seconds:g} s")
        end = time.monotonic() + seconds
        while True:
            final = time.monotonic() >= end
            seen = [await self._read(swap) for swap in swaps]
            fault = canary_fault(seen, [swap.new_name for swap in swaps], final)
            if fault:
                raise ReplicaFault(fault)
            if final:
                break
            await asyncio.sleep(min(POLL, max(0.0, end - time.monotonic())))
        self.note(f"canary replica(s) ran {seconds:g} s without a fault")

    async def _read(self, swap: Swap) -> ContainerFacts:
        try:
            return await self.actions.container(swap.new_id)
        except ContainerGone:
            raise ReplicaFault(f"{swap.new_name} vanished") from None

    async def undo(self, fresh: list[Swap], reason: str) -> None:
        """After a fault: remove this batch's new replicas, put back those replaced before,
        then stop the act, Failed naming the fault (and anything the undo could not do)."""
        if not fresh and not self.swaps:  # nothing made or replaced: nothing to roll back
            self.note.partial.update(rolled_back=False, reason=reason)
            raise Failed(f"{reason} (the replicas of {self.target} run as before)")
        self.note(f"rolling back: {reason}")
        problems: list[str] = []
        for swap in fresh:
            try:
                await self._remove_new(swap)
            except (ActionFailed, ContainerGone) as exc:
                problems.append(one_line(f"{swap.new_name} could not be removed: {exc}"))
        for swap in list(reversed(self.swaps)):
            try:
                await self._restore(swap)
            except (ReplicaFault, ActionFailed, ContainerGone) as exc:
                problems.append(one_line(f"{swap.old.name} was not put back: {exc}"))
                break  # the rest stay on the new image: the record says which
        # The verbs tell a finished roll back ("rolled back: ...") from a failure.
        self.note.partial.update(rolled_back=not problems, reason=reason)
        if not problems:
            raise Failed(f"rolled back: {reason} (the old replicas of {self.target} run as "
                         "before)")
        raise Failed(f"{self.target}: {reason}; the roll back did not finish: "
                     + "; ".join(problems))

    async def _remove_new(self, swap: Swap) -> None:
        self.note.trying(f"stopping and removing {swap.new_name}")
        await self.actions.stop_and_remove(swap.new_id)
        self.removed.append(swap.new_name)
        self.note.changed(f"removed new replica {swap.new_name}")

    async def _restore(self, swap: Swap) -> None:
        """Make the replaced replica again (its own image and workload, as read before it
        went), wait until it is up, and only then remove its replacement."""
        made: list[Swap] = []
        try:
            await self._replacement(swap.old, made, image="")
            await self.wait_up(made, self.timeout)
        except (ReplicaFault, ActionFailed, ContainerGone):
            for back in made:  # a copy that will not run is no use: do not leave it
                await self._remove_new(back)
            raise
        back = made[0]
        self.restored.append(f"{back.new_name} on {one_line(swap.old.image)}")
        await self._remove_new(swap)
        self.swaps.remove(swap)
