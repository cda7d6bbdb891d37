"""What the Containers pane shows: columns, cells, sort keys, filter and grouping. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fintui.core.format import human_bytes, human_duration, human_rate, percent, since, sparkline
from fintui.core.table_rows import Tone
from fintui.core.text_safety import one_line
from fintui.model import Container, Health


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    sort_key: Callable[[Container, datetime], Any]
    priority: int  # 0 is kept longest when the terminal is narrow
    descends: bool = False  # its natural order is biggest first (the header shows ↓)


def _stat(attr: str) -> Callable[[Container, datetime], Any]:
    def key(c: Container, now: datetime) -> Any:
        value = getattr(c.stats, attr) if c.stats else None
        return (value is None, -(value or 0))  # biggest first, unknown last
    return key


def _rates(c: Container, first: str, second: str) -> tuple[bool, float]:
    """Sort key of an I/O column: the busiest first, unknown rates last."""
    one = getattr(c.stats, first) if c.stats else None
    two = getattr(c.stats, second) if c.stats else None
    return (one is None and two is None, -((one or 0.0) + (two or 0.0)))


def io_text(first: float | None, second: float | None, marks: tuple[str, str]) -> str:
    """`↓1.2MiB ↑40KiB` a second (the column's title says so): at most 15 cells; `-` until
    two samples give a rate."""
    if first is None and second is None:
        return "-"
    return f"{marks[0]}{human_rate(first, '')} {marks[1]}{human_rate(second, '')}"


def _uptime_seconds(c: Container, now: datetime) -> float | None:
    return since(c.started_at, now) if c.state == "running" else None


_STATE_ORDER = {"restarting": 0, "dead": 1, "paused": 2, "running": 3, "created": 4,
                "exited": 5}
_HEALTH_ORDER = {Health.UNHEALTHY: 0, Health.STARTING: 1, Health.HEALTHY: 2, Health.NONE: 3}

COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 20, lambda c, n: c.name.lower(), 0),
    # Only with several endpoints (see `fit_columns`' skip): where the row lives matters
    # right after what it is.
    Column("endpoint", "Endpoint", 12, lambda c, n: c.endpoint.lower(), 1),
    Column("service", "Service", 16, lambda c, n: (c.group == "", c.group.lower()), 5),
    Column("image", "Image", 23, lambda c, n: c.image.lower(), 8),
    # Within a state, the most restarted first: a crash loop tops the running rows.
    Column("state", "State", 14, lambda c, n: (_STATE_ORDER.get(c.state, 9),
                                               -c.restart_count), 1),
    Column("health", "Health", 11, lambda c, n: _HEALTH_ORDER[c.health], 4),
    Column("uptime", "Up", 7, lambda c, n: (_uptime_seconds(c, n) is None,
                                            _uptime_seconds(c, n) or 0), 7),
    Column("restarts", "Rst", 4, lambda c, n: -c.restart_count, 6, True),
    Column("cpu", "CPU%", 6, _stat("cpu_percent"), 2, True),
    Column("cpu_spark", "CPU trend", 10, lambda c, n: 0, 10),
    Column("mem", "Mem / Limit", 17, _stat("mem_bytes"), 3, True),
    # I/O as rates (totals say little about now), per second as the title says: wide enough
    # for the widest two rates.
    Column("net", "Net/s ↓in ↑out", 15, lambda c, n: _rates(c, "net_rx_rate", "net_tx_rate"),
           11, True),
    Column("gpu_mem", "GPU mem", 8, lambda c, n: 0, 9),
    Column("blk", "Block/s R W", 15, lambda c, n: _rates(c, "blk_read_rate", "blk_write_rate"),
           12, True),
)
COLUMN_KEYS = tuple(col.key for col in COLUMNS)
SORTABLE = tuple(col.key for col in COLUMNS if col.key not in ("cpu_spark", "gpu_mem"))
_BY_KEY = {col.key: col for col in COLUMNS}


def sort_arrow(sort: str, reverse: bool) -> str:
    """↓ when the rows run biggest (or last) first, ↑ when smallest (or first) first."""
    return "↑" if _BY_KEY.get(sort, _BY_KEY["name"]).descends == reverse else "↓"


def header_title(key: str, sort: str, reverse: bool) -> str:
    """A column's header: the sort column's carries its direction (as k9s's `CPU↓`)."""
    col = _BY_KEY[key]
    return col.title + sort_arrow(sort, reverse) if key == sort else col.title


def next_sort(current: str, candidates: Sequence[str]) -> str:
    """The column `o` moves to: the next of `candidates` (the sortable columns on screen)
    after `current` in display order, even when `current` itself is no longer shown."""
    if not candidates:
        return current
    if current in candidates:
        return candidates[(candidates.index(current) + 1) % len(candidates)]
    position = COLUMN_KEYS.index(current) if current in COLUMN_KEYS else -1
    later = [k for k in candidates if COLUMN_KEYS.index(k) > position]
    return later[0] if later else candidates[0]


SINGLE_ENDPOINT = frozenset({"endpoint"})  # columns left out with one daemon


def fit_columns(available: int, padding: int,
                skip: frozenset[str] = SINGLE_ENDPOINT) -> tuple[str, ...]:
    """The columns that fit in `available` cells, most important first, in display order.
    Columns are dropped whole rather than wrapped into unreadable rows."""
    keep: set[str] = set()
    used = 0
    for col in sorted((c for c in COLUMNS if c.key not in skip), key=lambda c: c.priority):
        need = col.width + 2 * padding
        if used + need > available and keep:
            break
        keep.add(col.key)
        used += need
    return tuple(col.key for col in COLUMNS if col.key in keep)


def spark_width(available: int, padding: int, visible: tuple[str, ...], points: int) -> int:
    """How wide the CPU trend may draw: room left once every shown column has its width goes
    to the trend (a wide terminal shows more history), up to the samples kept."""
    base = next(col.width for col in COLUMNS if col.key == "cpu_spark")
    if "cpu_spark" not in visible:
        return base
    used = sum(col.width + 2 * padding for col in COLUMNS if col.key in visible)
    return max(base, min(points, base + available - used))


# What spare room a wide terminal gives first, and how far: a cut image or service name is
# read, the trend's extra history only looked at.
TEXT_GROWTH = (("image", 48), ("service", 28), ("name", 40))


def column_widths(available: int, padding: int, visible: tuple[str, ...], points: int,
                  widest: Mapping[str, int]) -> dict[str, int]:
    """Each shown column's width: its own, then the spare room to the text columns whose
    widest cell is cut (up to a cap), then to the CPU trend (up to the samples kept)."""
    widths = {col.key: col.width for col in COLUMNS if col.key in visible}
    spare = available - sum(width + 2 * padding for width in widths.values())
    for key, cap in TEXT_GROWTH:
        if key in widths and spare > 0:
            grow = min(spare, max(0, min(widest.get(key, 0), cap) - widths[key]))
            widths[key] += grow
            spare -= grow
    if "cpu_spark" in widths:
        base = widths["cpu_spark"]
        widths["cpu_spark"] = max(base, min(points, base + max(spare, 0)))
    return widths


def widest_cells(containers: Iterable[Container]) -> dict[str, int]:
    """How wide the name, service and image cells would be whole."""
    widest = {"name": 0, "service": 0, "image": 0}
    for c in containers:
        widest["name"] = max(widest["name"], len(c.name))
        widest["service"] = max(widest["service"], len(c.group))
        widest["image"] = max(widest["image"], len(c.image))
    return widest


def biggest(c: Container, key: str) -> float:
    """How much of `key` (mem, cpu) a container uses: what M and P put the cursor on."""
    s = c.stats
    if s is None:
        return -1.0
    return float(s.mem_bytes) if key == "mem" else float(s.cpu_percent or 0.0)


STATE_SYMBOL = {"running": "●", "restarting": "↻", "paused": "‖", "exited": "○",
                "created": "◌", "dead": "✕", "removing": "✕"}
HEALTH_SYMBOL = {Health.HEALTHY: "✓", Health.UNHEALTHY: "✗", Health.STARTING: "…",
                 Health.NONE: ""}


CRASH_LOOP_RESTARTS = 5  # this many restarts, and the latest recent: a crash loop
RECENT_START_S = 600.0


def restart_mark(c: Container) -> str:
    """`↻17` after the state when the container has restarted: a crash loop never reads like
    a healthy row, whichever columns fit."""
    n = c.restart_count
    return "" if n <= 0 else f"↻{n}" if n < 100 else "↻99+"


def _state_text(c: Container, isolated: bool) -> str:
    mark = restart_mark(c)
    if isolated:
        return f"⊘ ISOLATED {mark}".rstrip()
    if c.state == "restarting" and mark:  # its symbol is the mark: `↻17 restarting`
        return f"{mark} restarting"
    return f"{STATE_SYMBOL.get(c.state, '?')} {one_line(c.state)} {mark}".rstrip()


def cells(c: Container, now: datetime, cpu_history: Sequence[float | None],
          spark_width: int, isolated: bool = False, gpu_bytes: int = 0,
          endpoint_down: bool = False) -> dict[str, str]:
    """Every cell as plain, escape-safe text (the TUI styles and wraps it, never parses it).
    A row whose endpoint is down keeps its last numbers; its endpoint cell says so."""
    s = c.stats
    state = _state_text(c, isolated)
    return {
        "name": one_line(c.name),
        "endpoint": f"{'✕ ' if endpoint_down else ''}{one_line(c.endpoint or '-')}",
        "service": one_line(c.group or "-"),
        "image": one_line(c.image),
        "state": state,
        "health": f"{HEALTH_SYMBOL[c.health]} {c.health.value}" if c.health is not Health.NONE
        else "-",
        "uptime": human_duration(_uptime_seconds(c, now)),
        "restarts": str(c.restart_count),
        "cpu": percent(s.cpu_percent) if s else "-",
        "cpu_spark": sparkline(cpu_history, spark_width, top=100.0) if s else "",
        "mem": f"{human_bytes(s.mem_bytes)} / {human_bytes(s.mem_limit_bytes)}" if s else "-",
        "net": io_text(s.net_rx_rate, s.net_tx_rate, ("↓", "↑")) if s else "-",
        "blk": io_text(s.blk_read_rate, s.blk_write_rate, ("R", "W")) if s else "-",
        "gpu_mem": human_bytes(gpu_bytes) if gpu_bytes else "-",
    }


def tone(key: str, c: Container, isolated: bool = False, endpoint_down: bool = False,
         now: datetime | None = None) -> Tone:
    """A cell's colour class (the symbols and words in `cells` say the same without colour).
    A state cell with a restart mark is bad for a crash loop (many restarts, the latest
    recent), warn for fewer; `now` None (no clock): the state alone."""
    if key == "endpoint":
        return "bad" if endpoint_down else "muted"
    if key == "state" and isolated:
        return "marked"
    if key == "state":
        if c.state in ("restarting", "dead"):
            return "bad"
        if c.restart_count and c.state == "running":
            up = _uptime_seconds(c, now) if now is not None else None
            if up is not None and up < RECENT_START_S:
                return "bad" if c.restart_count >= CRASH_LOOP_RESTARTS else "warn"
        if c.state == "running":
            return "ok"
        return "warn" if c.state == "paused" else "muted"
    if key == "health":
        return _HEALTH_TONE.get(c.health, "muted")
    if key == "restarts" and c.restart_count:
        return "warn"
    if key == "cpu_spark":
        return "ok"
    return ""


_HEALTH_TONE: dict[Health, Tone] = {Health.UNHEALTHY: "bad", Health.STARTING: "warn",
                                    Health.HEALTHY: "ok"}


def matches(c: Container, text: str) -> bool:
    """Filter: every word must appear in name, service, image, state, health, endpoint or
    id; a word like `@desk-b` keeps only that endpoint's rows (the whole name)."""
    haystack = " ".join((c.name, c.group, c.image, c.state, c.health.value, c.endpoint,
                         c.id)).lower()
    endpoint = c.endpoint.lower()
    return all(word[1:] == endpoint if word.startswith("@") and len(word) > 1
               else word in haystack for word in text.lower().split())


def ordered(containers: Iterable[Container], now: datetime, sort: str, reverse: bool,
            group: bool) -> list[Container]:
    """Sorted by the chosen column; the name and id break ties so rows never shuffle."""
    column = _BY_KEY.get(sort, _BY_KEY["name"])
    rows = sorted(containers, key=lambda c: (c.name.lower(), c.id))
    rows.sort(key=lambda c: column.sort_key(c, now), reverse=reverse)
    if group:
        rows.sort(key=lambda c: (c.group == "", c.group_key.lower()))
    return rows


def group_counts(containers: Iterable[Container]) -> Mapping[str, tuple[int, int]]:
    """group key -> (running, total), for group header rows."""
    out: dict[str, tuple[int, int]] = {}
    for c in containers:
        running, total = out.get(c.group_key, (0, 0))
        out[c.group_key] = (running + (c.state == "running"), total + 1)
    return out
