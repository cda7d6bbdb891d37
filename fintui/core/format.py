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
    """Two most significant units: 45s, 12m30s, 3h05m, 4d02h."""
    if seconds is None or seconds < 0:
        return "-"
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{s:02d}s"
    return f"{s}s"


def since(start: datetime | None, now: datetime) -> float | None:
    return None if start is None else (now - start).total_seconds()


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


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
