"""Numbers as an operator reads them. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_BLOCKS = " ▁▂▃▄▅▆▇█"


def human_bytes(value: int | float | None) -> str:
    """Binary units as `docker stats` prints them: 548KiB, 1.37GiB."""
    if value is None:
        return "-"
    size = float(value)
    for unit in _UNITS:
        if abs(size) < 1024 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(size)}B"
            return f"{size:.3g}{unit}" if size < 100 else f"{size:.0f}{unit}"
        size /= 1024
    return f"{size:.0f}PiB"  # unreachable; keeps mypy sure of a return


def human_duration(seconds: float | None) -> str:
    """At most two units, the second only where it says something: 42s, 12m 05s, 5h 02m, 5h,
    7d 3h, 7d; from ten days on, days alone (300d: the hours are noise by then)."""
    if seconds is None or seconds < 0:
        return "-"
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days >= 10 or (days and not hours):
        return f"{days}d"
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {s:02d}s" if s else f"{minutes}m"
    return f"{s}s"


def human_rate(per_second: float | None, suffix: str = "/s") -> str:
    """Bytes a second in at most 8 cells (6 without the suffix, where a column's title says
    "a second"): 0B/s, 950B/s, 40KiB/s, 1.2MiB/s, 12MiB/s. Two significant digits (a rate
    moves every sample; a third digit is noise), and the next unit from 1000 on, so no rate
    needs four digits."""
    if per_second is None or per_second < 0:
        return "-"
    size = float(per_second)
    for unit in _UNITS:
        if round(size) < 1000 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{round(size)}B{suffix}"
            return f"{size:.1f}{unit}{suffix}" if size < 9.95 else f"{size:.0f}{unit}{suffix}"
        size /= 1024
    return f"{size:.0f}PiB{suffix}"  # unreachable; keeps mypy sure of a return


def since(start: datetime | None, now: datetime) -> float | None:
    return None if start is None else (now - start).total_seconds()


def percent(value: float | None) -> str:
    """At most six cells: 4.0%, 127.5%, 3150% (a busy 32-CPU container)."""
    if value is None:
        return "-"
    return f"{value:.1f}%" if abs(value) < 999.95 else f"{value:.0f}%"


def sparkline(values: Sequence[float | None], width: int, top: float | None = None) -> str:
    """The last `width` values as block characters; gaps (None) as spaces. The scale is the
    larger of `top` and the biggest value shown."""
    recent = list(values)[-width:]
    known = [v for v in recent if v is not None]
    # A floor for the scale: one quiet sample must not draw as a full bar.
    ceiling = max([*known, top or 0.0])
    if ceiling <= 0:
        ceiling = 1.0
    out = []
    for v in recent:
        if v is None:
            out.append(" ")
        else:
            level = min(max(v / ceiling, 0.0), 1.0)
            out.append(_BLOCKS[max(1, round(level * (len(_BLOCKS) - 1)))])
    return "".join(out).rjust(width)
