"""Columns that fit a terminal's width: dropped whole by priority, never wrapped. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Want:
    key: str
    width: int  # what the column needs to show its widest cell
    priority: int  # 0 is kept longest
    least: int = 0  # a stretchy column may shrink to this (and cuts its text); 0: fixed


def fit(columns: Sequence[Want], available: int, padding: int) -> dict[str, int]:
    """Kept columns and their widths, in display order. Most important first until the room
    runs out; a stretchy column takes what is left, down to its least width."""
    kept: dict[str, int] = {}
    used = 0
    for col in sorted(columns, key=lambda c: c.priority):
        room = available - used - 2 * padding
        width = min(col.width, room) if col.least else col.width
        if width < max(col.least, 1) or (not col.least and width > room):
            if kept:
                break  # none after it stays: a less important column never beats it
            width = max(min(col.width, room), 1)  # the first column always shows
        kept[col.key] = width
        used += width + 2 * padding
    return {col.key: kept[col.key] for col in columns if col.key in kept}
