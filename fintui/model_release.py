"""The facts a release (rollout, rollback) works with, as the operations layer sees them:
an image on an endpoint, a Swarm service's release state and its tasks, the update policy.
Frozen and pure; the Engine's JSON for them stays in fintui/sources/engine_releases.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """An image present on the endpoint: its id and the repository digests the daemon knows
    (empty for an image only ever built or tagged locally)."""

    ref: str  # as it was asked for
    id: str
    digests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UpdatePolicy:
    """How Swarm moves a service to a new spec (its UpdateConfig)."""

    parallelism: int
    delay: float  # seconds between batches
    monitor: float  # seconds each new task is watched for failure
    failure_action: str = "rollback"
    order: str = "stop-first"  # start-first needs room for one more task per batch


@dataclass(frozen=True, slots=True)
class ServiceRelease:
    """A Swarm service as a release sees it: its image now and before its last update, and
    where Swarm's own update (or rollback) of it stands."""

    id: str
    name: str
    image: str  # as in its spec: often pinned, name:tag@sha256:...
    previous_image: str = ""  # "" when it was never updated (no PreviousSpec)
    replicas: int | None = None  # None for a global service
    update_state: str = ""  # UpdateStatus.State: updating, completed, rollback_started...
    update_message: str = ""
    update_started: str = ""  # UpdateStatus.StartedAt, to tell one update from the next


@dataclass(frozen=True, slots=True)
class ReleaseTask:
    """A Swarm task with what a release reads of it: which image its spec runs, in which
    slot, and how it ended."""

    id: str
    slot: int
    image: str
    state: str
    desired_state: str
    error: str = ""
    exit_code: int | None = None
    created: str = ""  # ISO text; sorts in time order


def bare_image(ref: str) -> str:
    """An image reference without its @sha256 pin (Swarm pins what it resolved)."""
    return ref.split("@", 1)[0]


def pinned_digest(ref: str) -> str:
    """The sha256 digest a reference is pinned to, or ""."""
    return ref.split("@", 1)[1] if "@" in ref else ""


def image_record(side: str, ref: str, facts: ImageFacts | None) -> dict[str, Any]:
    """An image's id and repository digests for the audit: the daemon's, and the digest the
    service's spec is pinned to (Swarm pins what it resolved)."""
    digests = list(facts.digests) if facts is not None else []
    pin = pinned_digest(ref)
    if pin and not any(d.endswith(pin) for d in digests):
        digests.append(f"{bare_image(ref).rsplit(':', 1)[0]}@{pin}")
    record: dict[str, Any] = {f"{side}_digests": digests}
    if facts is not None:
        record[f"{side}_id"] = facts.id
    return record
