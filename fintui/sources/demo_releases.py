"""Releases on the simulated cluster (capabilities.Releasable): the pricing service moves to a
new image a batch at a time, as Swarm would, one step each time its tasks are read (after
the update's delay). An image whose tag ends in `bad` (quant/pricing-engine:bad)
exits 1 as soon as it runs, so a canary to it shows a rollback. DemoActions inherits this.

No registry here either: an image is on the demo endpoint when the demo's storage lists it, or
when it is another tag of a repository the cast runs (the desk's mirror has every tag)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from fintui.model_release import ImageFacts, ReleaseTask, ServiceRelease, UpdatePolicy, bare_image
from fintui.sources.base import ActionFailed, NoSuchService
from fintui.sources.demo_cast import DEMO_START, DemoSpec, _id

if TYPE_CHECKING:
    from fintui.sources.demo import DemoCluster

PRICING = "pricing"
PRICING_ID = _id("svc-pricing")[:25]
_UPDATES = itertools.count(1)  # each update's own start mark (Swarm's UpdateStatus.StartedAt)


@dataclass
class DemoUpdate:
    """The pricing service's update (or rollback) under way, or the last one, ended."""

    image: str  # where it goes
    leaving: str  # the image it leaves
    pending: list[str]  # replicas (by name) still to move, in order
    batch: int
    delay: float  # seconds after each batch, as Swarm's UpdateConfig.Delay
    rollback_on_failure: bool
    state: str = "updating"  # updating, completed, rollback_started, rollback_completed
    message: str = ""
    started: str = field(default_factory=lambda: f"demo-update-{next(_UPDATES)}")
    failed: list[str] = field(default_factory=list)
    next_at: float = 0.0


def fails(image: str) -> bool:
    """The demo's broken release: a tag ending in `bad` exits 1 when it runs."""
    return ":" in image and bare_image(image).rsplit(":", 1)[1].endswith("bad")


class DemoReleases:
    cluster: DemoCluster

    def _replicas(self) -> list[DemoSpec]:
        return [s for s in self.cluster.specs if s.service == PRICING and not s.project]

    def _check(self, service: str) -> None:
        if service not in (PRICING, PRICING_ID):
            raise NoSuchService(f"no Swarm service named {service!r}")

    async def image_facts(self, image: str) -> ImageFacts | None:
        bare = bare_image(image)
        known = {tag for i in self.cluster.storage().images for tag in i.tags}
        known |= {s.image for s in self.cluster.specs}
        repositories = {tag.rsplit(":", 1)[0] for tag in known}
        repository, _, tag = bare.rpartition(":")
        if bare not in known and not (tag and "/" not in tag and repository in repositories):
            return None
        return ImageFacts(image, f"sha256:{_id(bare)}",
                          (f"{repository or bare}@sha256:{_id('digest:' + bare)}",))

    async def service_release(self, service: str) -> ServiceRelease:
        self._check(service)
        update = self.cluster.pricing_update
        return ServiceRelease(PRICING_ID, PRICING, self.cluster.pricing_image,
                              self.cluster.pricing_previous, self.cluster.pricing_replicas,
                              update.state if update else "", update.message if update else "",
                              update.started if update else "")

    async def release_tasks(self, service_id: str) -> list[ReleaseTask]:
        self._check(service_id)
        self._step()
        failed = set(self.cluster.pricing_update.failed if self.cluster.pricing_update
                     else ())
        out = []
        for spec in self._replicas():
            slot = spec.name.split(".")[1] if spec.name.count(".") >= 2 else "0"
            broken = spec.name in failed and spec.image == self.cluster.pricing_image
            out.append(ReleaseTask(
                _id(f"{spec.name}|{spec.image}")[:25], int(slot) if slot.isdigit() else 0,
                spec.image, "failed" if broken else "running", "running",
                "task: non-zero exit (1)" if broken else "", 1 if broken else None))
        return out

    async def update_image(self, service_id: str, image: str, policy: UpdatePolicy) -> None:
        self._check(service_id)
        cluster = self.cluster
        cluster.pricing_previous, cluster.pricing_image = cluster.pricing_image, image
        cluster.pricing_update = DemoUpdate(
            image, cluster.pricing_previous,
            [s.name for s in self._replicas() if s.image != image], policy.parallelism,
            policy.delay, policy.failure_action == "rollback")

    async def rollback_service(self, service_id: str) -> None:
        self._check(service_id)
        if not self.cluster.pricing_previous:
            raise ActionFailed(f"service {PRICING} does not have a previous spec", 400)
        self._roll_back("manually requested rollback")

    def _roll_back(self, message: str) -> None:
        """Swarm's rollback: the previous spec becomes the spec, and there is none before it
        (Swarm keeps one; a rollback uses it up)."""
        cluster = self.cluster
        leaving = cluster.pricing_image
        cluster.pricing_image, cluster.pricing_previous = cluster.pricing_previous, ""
        cluster.pricing_update = DemoUpdate(
            cluster.pricing_image, leaving,
            [s.name for s in self._replicas() if s.image != cluster.pricing_image], 1, 0.0,
            False, "rollback_started", message)

    def _step(self) -> None:
        """One batch further, when its delay is over; a failed replica makes Swarm's monitor
        roll back (failure_action rollback) on the step after."""
        update = self.cluster.pricing_update
        if update is None or update.state not in ("updating", "rollback_started"):
            return
        now = time.monotonic()
        if now < update.next_at:
            return
        if update.state == "updating" and update.failed and update.rollback_on_failure:
            self._roll_back(f"update rolled back due to failure or early termination of task "
                            f"{_id(update.failed[0] + '|' + update.image)[:25]}")
            return
        if not update.pending:
            rolled = update.state == "rollback_started"
            update.state = "rollback_completed" if rolled else "completed"
            update.message = "rollback completed" if rolled else "update completed"
            return
        batch, update.pending = update.pending[:update.batch], update.pending[update.batch:]
        for name in batch:
            self._move(name, update.image, update.state == "updating" and fails(update.image))
            if update.state == "updating" and fails(update.image):
                update.failed.append(name)
        update.next_at = now + update.delay if update.pending else now

    def _move(self, name: str, image: str, broken: bool) -> None:
        """A replica replaced by one on `image` (same name: the demo keeps its slot's)."""
        cluster = self.cluster
        # A new task is a new container: created now (the demo dates creation from its age,
        # five minutes before it started), so its Details say when the rollout deployed it.
        age = (DEMO_START - cluster.clock.now()).total_seconds() / 3600 - 5 / 60
        for n, spec in enumerate(cluster.specs):
            if spec.name == name:
                cluster.specs[n] = replace(spec, image=image, age_hours=age)
        cluster.paused.discard(name)
        cluster.exited.pop(name, None)
        cluster.exit_codes.pop(name, None)
        cluster.started[name] = cluster.clock.now()
        if broken:
            cluster.exited[name] = cluster.clock.now()
            cluster.exit_codes[name] = 1
