"""The Containers pane's rows when grouped by service (a header per group: its name, how many
of its containers run, folded or open, before its members) and the line under them. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fintui.core.container_rows import biggest, group_counts
from fintui.core.format import human_duration
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot, Container, Service

GROUP_PREFIX = "group:"


@dataclass(frozen=True, slots=True)
class GroupHeader:
    name: str  # "▾ pricing" open, "▸ pricing" folded
    count: str  # "3/3 running"
    member: Container  # one of its containers: what `s` on the header scales


def grouped_rows(rows: Sequence[Container], folded: Iterable[str]
                 ) -> tuple[list[str], dict[str, GroupHeader]]:
    """Row keys in order (a header's key is GROUP_PREFIX + its group key; a folded group's
    members are left out) and each header. `rows` come sorted with each group together."""
    hidden = set(folded)
    counts = group_counts(rows)
    keys: list[str] = []
    headers: dict[str, GroupHeader] = {}
    for c in rows:
        key = GROUP_PREFIX + c.group_key
        if key not in headers:
            running, total = counts[c.group_key]
            mark = "▸" if key in hidden else "▾"
            headers[key] = GroupHeader(f"{mark} {c.group_key or 'standalone'}",
                                       f"{running}/{total} running", c)
            keys.append(key)
        if key not in hidden:
            keys.append(c.id)
    return keys, headers


def summary_line(snap: ClusterSnapshot, shown: int, sort_title: str, arrow: str,
                 grouped: bool, filter_text: str, endpoint: str) -> str:
    """The line under the table: what is shown of how many, how sorted, grouped, filtered,
    narrowed to an endpoint, and whether the rows are old."""
    running = sum(c.state == "running" for c in snap.containers)
    parts = [f"{shown} of {len(snap.containers)} containers, {running} running",
             f"sort: {sort_title} {arrow}"]
    if grouped:
        parts.append("grouped by service")
    if filter_text:
        parts.append(f"filter: {one_line(filter_text, 30)}")
    if endpoint:
        parts.append(f"endpoint {one_line(endpoint, 30)} only")
    down = snap.down_endpoints
    if down:
        parts.append("STALE rows of " + ", ".join(
            f"{one_line(e.name)} (down since {e.since:%H:%M:%S})" if e.since
            else one_line(e.name) for e in down))
    elif snap.stale:
        parts.append(f"STALE: last data {snap.taken_at:%H:%M:%S}")
    return "  ·  ".join(parts)


def biggest_row(keys: Sequence[str], by_id: Mapping[str, Container], key: str) -> int:
    """Where M or P puts the cursor: on the biggest user of all the rows shown (grouped, each
    group is sorted on its own), else on the first container's row."""
    rows = [k for k in keys if k in by_id and by_id[k].stats is not None]
    if rows:
        return keys.index(max(rows, key=lambda k: biggest(by_id[k], key)))
    return next((i for i, k in enumerate(keys) if not k.startswith(GROUP_PREFIX)), 0)


def release_cells(rows: Sequence[Container], services: Sequence[Service],
                  now: datetime | None) -> dict[str, dict[str, str]]:
    """What a service's header says of what runs: its image's tag and short id in the Image
    column (`2.4.1 @3f2a9c1b`, the repository is on its rows; `2 images` while a rollout is
    half way), for a Swarm service its tasks running of those desired (its old tasks'
    exited containers are history, not missing replicas), and,
    in the Up column, how long ago it was deployed (Swarm: its spec's last update; compose:
    its oldest live replica's creation). Keyed by group key; standalone rows have none."""
    members: dict[str, list[Container]] = {}
    for c in rows:
        if c.group:
            members.setdefault(c.group_key, []).append(c)
    swarm = {(s.name, s.endpoint): s for s in services if s.mode != "compose"}
    cells: dict[str, dict[str, str]] = {}
    for key, group in members.items():
        live = [c for c in group if c.state in ("running", "paused", "restarting")] or group
        images = sorted({(c.image, c.image_id) for c in live})
        if len(images) > 1:
            image = f"{len(images)} images"
        else:
            name, image_id = images[0]
            short = image_id.removeprefix("sha256:")[:8]
            image = f"{tag_of(name)} @{short}" if short else name
        first = group[0]
        service = None if first.project else swarm.get((first.service, first.endpoint))
        created = [c.created for c in live if c.created is not None]
        deployed = service.updated if service is not None and service.updated else \
            min(created, default=None)
        age = (now - deployed).total_seconds() if now and deployed else None
        cells[key] = {"image": one_line(image), "uptime": human_duration(age)}
        if service is not None and service.desired is not None:
            # Swarm keeps its old tasks' containers: count against what it means to run.
            cells[key]["state"] = f"{service.running}/{service.desired} running"
    return cells


def tag_of(image: str) -> str:
    """An image reference's tag (`quant/pricing:2.4.1` → `2.4.1`); the whole reference when it
    has none (`registry:5000/app` has a port, not a tag)."""
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else image
