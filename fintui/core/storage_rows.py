"""What the Volumes pane shows in each section, as plain escape-safe cells. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fintui.config_tree import CleanupSettings
from fintui.core.cleanup import protected
from fintui.core.disk_usage import ACTIVE_STATES, SectionTotals
from fintui.core.format import human_bytes, human_duration, since
from fintui.core.table_rows import Header, headers, plain_row, stretch
from fintui.core.table_rows import Row as TableRow
from fintui.core.text_safety import one_line
from fintui.model import Container, DiskUsage

# A volume's name is cut (…) past this many cells: one generated 120-character name must not
# take the whole width from the size and the users at 80 columns.
NAME_CAP = 40
# Each section's columns; at 80 columns what a thing is, its size and who uses it stay, and
# free text (labels, users, descriptions) is cut (…) before a number column is dropped.
SECTIONS: tuple[tuple[str, str, tuple[str | Header, ...]], ...] = (
    ("volumes", "Volumes", ("Name", Header("Driver", "Driver", 5), Header("Size", "Size", 1),
                            Header("Created", "Created", 2), Header("Protected", "Protected", 3),
                            stretch("Labels", 12, 6), stretch("Used by", 12, 4))),
    ("images", "Images", (stretch("Image", 20, 4), Header("Size", "Size", 0),
                          Header("Shared", "Shared", 2), Header("Containers", "Containers", 3),
                          Header("Created", "Created", 1), Header("Dangling", "Dangling", 5))),
    ("stopped", "Stopped", ("Name", stretch("Image", 12, 5), "State", "Exit", "Finished",
                            Header("Size", "Size", 1))),
    ("build-cache", "Build cache", ("ID", "Type", "Size", "In use", "Last used",
                                    stretch("Description", 12))),
    ("binds", "Bind mounts", (stretch("Host path", 24), stretch("Used by", 12))),
)


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    cells: tuple[str, ...]
    sort_size: int  # bytes, for the default largest-first order
    search: str  # what the filter looks in


def table_row(row: Row, columns: tuple[str | Header, ...]) -> TableRow:
    """A section's row in the table contract (a column per title, all plain)."""
    return plain_row(row.key, headers(*columns), row.cells)


def _ago(when: datetime | None, now: datetime) -> str:
    age = since(when, now)
    return "-" if age is None else f"{human_duration(age)} ago"


def section_rows(section: str, df: DiskUsage | None, containers: Iterable[Container],
                 policy: CleanupSettings, now: datetime) -> list[Row]:
    containers = list(containers)
    rows: list[Row] = []
    if section == "binds":
        binds: dict[str, list[str]] = {}
        for c in containers:
            for m in c.mounts:
                if m.type == "bind":
                    binds.setdefault(m.source, []).append(
                        f"{c.name}:{m.destination} ({'rw' if m.rw else 'ro'})")
        for path, names in sorted(binds.items()):
            rows.append(Row(path, (one_line(path), one_line(", ".join(names))), 0,
                            f"{path} {' '.join(names)}".lower()))
        return rows
    if df is None:
        return rows
    if section == "volumes":
        users: dict[str, list[str]] = {}
        for c in containers:
            for m in c.mounts:
                if m.type == "volume" and m.name:
                    users.setdefault(m.name, []).append(
                        f"{c.name}:{m.destination} ({'rw' if m.rw else 'ro'})")
        for v in df.volumes:
            why = protected(v.name, v.labels, policy)
            label_text = ", ".join(f"{k}={val}" for k, val in v.labels) or "-"
            used = ", ".join(users.get(v.name, [])) or (
                f"{v.ref_count} container(s)" if v.ref_count else "unused")
            name = v.name if not v.anonymous else f"{v.name[:12]}… (anonymous)"
            rows.append(Row(v.name, (one_line(name, NAME_CAP), one_line(v.driver),
                                     human_bytes(v.size_bytes), _ago(v.created, now),
                                     "yes" if why else "-", one_line(label_text, 40),
                                     # Capped, so at 160 columns the labels keep a place.
                                     one_line(used, 64)),
                            v.size_bytes or 0, f"{v.name} {used} {label_text}".lower()))
    elif section == "images":
        for i in df.images:
            name = ", ".join(i.tags) or f"<none> {i.id.removeprefix('sha256:')[:12]}"
            rows.append(Row(i.id, (one_line(name), human_bytes(i.size_bytes),
                                   human_bytes(i.shared_bytes),
                                   "?" if i.containers < 0 else str(i.containers),
                                   _ago(i.created, now), "yes" if i.dangling else "-"),
                            i.size_bytes, f"{name} {i.id}".lower()))
    elif section == "stopped":
        sizes = {c.id: c.size_rw for c in df.containers}
        for c in containers:
            if c.state in ACTIVE_STATES:
                continue
            exit_code = "-" if c.exit_code is None else str(c.exit_code)
            rows.append(Row(c.id, (one_line(c.name), one_line(c.image), one_line(c.state),
                                   exit_code, _ago(c.finished_at, now),
                                   human_bytes(sizes.get(c.id, 0))),
                            sizes.get(c.id, 0), f"{c.name} {c.image} {c.state}".lower()))
    elif section == "build-cache":
        for b in df.build_cache:
            rows.append(Row(b.id, (one_line(b.id[:12]), one_line(b.kind),
                                   human_bytes(b.size_bytes), "yes" if b.in_use else "-",
                                   _ago(b.last_used or b.created, now),
                                   one_line(b.description, 60)),
                            b.size_bytes, f"{b.id} {b.description}".lower()))
    return sorted(rows, key=lambda r: (-r.sort_size, r.cells[0]))


def totals_line(totals: Iterable[SectionTotals]) -> str:
    """`docker system df`, a section a line: size and reclaimable per section."""
    return "\n".join(f"{t.kind} {t.count} ({t.active} active) {human_bytes(t.size)}, "
                      f"reclaimable {human_bytes(t.reclaimable)}" for t in totals)
