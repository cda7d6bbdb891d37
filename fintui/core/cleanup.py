"""Which stale storage a cleanup removes, and why everything else is spared. Pure.

A plan lists every candidate with the rule that selected it, and every object it looked at
and spared with the reason (protected, in use, too young), so an operator can check it."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fintui.config_tree import CleanupSettings
from fintui.core.disk_usage import ACTIVE_STATES
from fintui.core.format import human_duration
from fintui.model import CleanupItem, Container, DiskUsage, ImageInfo

STOPPED = ("exited", "dead", "created")


@dataclass
class CleanupPlan:
    candidates: list[CleanupItem] = field(default_factory=list)
    spared: list[CleanupItem] = field(default_factory=list)

    @property
    def reclaimable(self) -> int:
        return sum(item.bytes for item in self.candidates)


KIND_ORDER = {"volume": 0, "container": 1, "image": 2, "build-cache": 3}


def protected(name: str, labels: Iterable[tuple[str, str]], policy: CleanupSettings) -> str:
    """Why an object is protected, or "" when it is not."""
    pairs = {f"{k}={v}" for k, v in labels}
    for label in policy.protect_labels:
        if label in pairs:
            return f"protected (label {label})"
    for pattern in policy.protect_names:
        if fnmatch.fnmatchcase(name, pattern):
            return f"protected (name matches {pattern})"
    return ""


def _age(start: datetime | None, now: datetime) -> float | None:
    return None if start is None else max((now - start).total_seconds(), 0.0)


def _old_enough(age: float | None, ttl: float) -> bool:
    return age is not None and age >= ttl


def volume_users(containers: Iterable[Container]) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for c in containers:
        for mount in c.mounts:
            if mount.type == "volume" and mount.name:
                users.setdefault(mount.name, []).append(c.name)
    return users


def plan_cleanup(df: DiskUsage, containers: Iterable[Container], policy: CleanupSettings,
                 now: datetime, volume_last_used: Mapping[str, datetime],
                 image_last_used: Mapping[str, datetime], match: str = "") -> CleanupPlan:
    plan = CleanupPlan()
    containers = list(containers)

    def wanted(*names: str, labels: Iterable[tuple[str, str]] = ()) -> bool:
        """--match: a glob on the name or id, or on a label written key=value."""
        keys = [*names, *(f"{k}={v}" for k, v in labels)]
        return not match or any(fnmatch.fnmatchcase(n, match) for n in keys if n)

    def add(item: CleanupItem, take: bool) -> None:
        (plan.candidates if take else plan.spared).append(item)

    # Volumes: never one that any container, running or stopped, mounts.
    users = volume_users(containers)
    for volume in df.volumes:
        if not wanted(volume.name, labels=volume.labels):
            continue
        size = volume.size_bytes or 0
        since = volume_last_used.get(volume.name) or volume.created
        age = _age(since, now)
        item = CleanupItem("volume", volume.name, volume.name, size, "", age)
        why = protected(volume.name, volume.labels, policy)
        if why:
            add(_with(item, why), False)
        elif users.get(volume.name) or volume.ref_count > 0:
            names = ", ".join(users.get(volume.name, [])) or f"{volume.ref_count} container(s)"
            add(_with(item, f"in use by {names}"), False)
        elif not volume.anonymous and not policy.named_volumes:
            add(_with(item, "named volume (cleanup.named_volumes is false)"), False)
        else:
            add(*_by_age(item, f"unused for {human_duration(age)}", age, policy.volume_ttl,
                         "volume_ttl"))

    # Stopped containers, by when they finished.
    sizes = {c.id: c.size_rw for c in df.containers}
    for c in containers:
        if c.state in ACTIVE_STATES or c.state not in STOPPED or not wanted(
                c.name, c.id, labels=c.labels):
            continue
        age = _age(c.finished_at or c.created, now)
        item = CleanupItem("container", c.name, c.id, sizes.get(c.id, 0), "", age)
        why = protected(c.name, c.labels, policy)
        if why:
            add(_with(item, why), False)
        else:
            add(*_by_age(item, f"stopped {human_duration(age)} ago", age, policy.container_ttl,
                         "container_ttl"))

    # Images: dangling ones, and unused tagged ones beyond the K most recent per repository.
    in_use = {c.image for c in containers}

    def last_use(image: ImageInfo) -> datetime | None:
        seen = [t for ref in (image.id, *image.tags) if (t := image_last_used.get(ref))]
        return max(seen) if seen else image.created

    by_repo: dict[str, list[tuple[datetime | None, str]]] = {}
    for image in df.images:
        for tag in image.tags:
            by_repo.setdefault(tag.rsplit(":", 1)[0], []).append((last_use(image), image.id))
    recent: set[str] = set()
    for entries in by_repo.values():
        entries.sort(key=lambda e: e[0] or datetime.min.replace(tzinfo=now.tzinfo),
                     reverse=True)
        recent.update(image_id for _, image_id in entries[:policy.keep_recent_images])
    for image in df.images:
        label = image.tags[0] if image.tags else f"<none> {image.id.removeprefix('sha256:')[:12]}"
        if not wanted(*image.tags, image.id, image.id.removeprefix("sha256:"),
                      labels=image.labels):
            continue
        age = _age(last_use(image), now)
        item = CleanupItem("image", label, image.id, image.size_bytes - image.shared_bytes, "",
                           age)
        why = protected(label, image.labels, policy)
        users_of = image.containers > 0 or image.id in in_use or any(t in in_use
                                                                    for t in image.tags)
        if why:
            add(_with(item, why), False)
        elif users_of:
            add(_with(item, "used by a container"), False)
        elif image.dangling:
            add(_with(item, "dangling (untagged, unused)" if policy.dangling_images
                      else "dangling, but cleanup.dangling_images is false"),
                policy.dangling_images)
        elif image.id in recent:
            add(_with(item, f"one of the {policy.keep_recent_images} most recent of its "
                            "repository"), False)
        elif not _old_enough(age, policy.image_ttl):
            add(_with(item, f"unused image younger than {human_duration(policy.image_ttl)}"),
                False)
        else:
            add(_with(item, f"unused for {human_duration(age)}, beyond the "
                            f"{policy.keep_recent_images} most recent (image_ttl)"), True)

    # Build cache: entries nobody uses, idle past their TTL.
    for entry in df.build_cache:
        if not wanted(entry.id, entry.description):
            continue
        age = _age(entry.last_used or entry.created, now)
        item = CleanupItem("build-cache", entry.description or entry.kind, entry.id,
                           entry.size_bytes, "", age)
        if entry.in_use or entry.shared:
            add(_with(item, "in use" if entry.in_use else "shared"), False)
        elif not _old_enough(age, policy.build_cache_ttl):
            add(_with(item, f"used {human_duration(age)} ago"), False)
        else:
            add(_with(item, f"idle for {human_duration(age)} (build_cache_ttl)"), True)
    # The daemon lists volumes in no fixed order: sorted, the dialog and `clean --dry-run` read
    # the same on every run, and a runbook can diff two of them.
    for items in (plan.candidates, plan.spared):
        items.sort(key=lambda i: (KIND_ORDER.get(i.kind, len(KIND_ORDER)), i.name, i.id))
    return plan


def _by_age(item: CleanupItem, how_long: str, age: float | None, ttl: float,
            setting: str) -> tuple[CleanupItem, bool]:
    """Taken when older than its TTL, else spared as too young; the reason says which."""
    if _old_enough(age, ttl):
        return _with(item, f"{how_long} ({setting} {human_duration(ttl)})"), True
    return _with(item, f"{how_long}, younger than {human_duration(ttl)}"), False


def _with(item: CleanupItem, reason: str) -> CleanupItem:
    return CleanupItem(item.kind, item.name, item.id, item.bytes, reason, item.age_seconds)
