"""The pieces of a RowTable line: its columns and their fitting to the width, cached
styles, cell fitting and one repaint's frame."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual.color import Color

from fintui.core.fit import Want, fit


@dataclass(frozen=True, slots=True)
class TableColumn:
    key: str
    title: str
    width: int
    # Kept by priority when the table is narrower than its columns (fintui.core.fit): 0 is
    # kept longest; a column with a least width shrinks to it before it is dropped.
    priority: int = 0
    least: int = 0


def fit_columns(columns: list[TableColumn], room: int, padding: int) -> list[TableColumn]:
    """The columns that fit `room` cells (all of them where there is room, or no width yet)."""
    if room <= 0 or sum(c.width + 2 * padding for c in columns) <= room:
        return columns
    widths = fit([Want(c.key, c.width, c.priority, min(c.least, c.width)) for c in columns],
                 room, padding)
    return [TableColumn(c.key, c.title, widths[c.key], c.priority, c.least)
            for c in columns if c.key in widths]


@lru_cache(maxsize=512)
def parse_style(spec: str) -> Style:
    return Style.parse(spec) if spec else Style.null()


@lru_cache(maxsize=4096)
def cell_meta(row: int, column: int) -> Style:
    return Style.from_meta({"row": row, "column": column})


def fit_cell(plain: str, width: int) -> str:
    """Exactly `width` cells: padded, or cut with an ellipsis (never wrapped)."""
    if cell_len(plain) <= width:
        return set_cell_size(plain, width)
    return set_cell_size(plain, max(width - 1, 0)) + "…" if width else ""


def faded(style: Style, base: Style) -> Style:
    """A heading's colours past its last column in a table without a cursor (DataTable's)."""
    if style.bgcolor is None or base.bgcolor is None:
        return Style(color=style.color, bgcolor=style.bgcolor)
    blend = Color.from_rich_color(style.bgcolor).blend(Color.from_rich_color(base.bgcolor),
                                                       0.25)
    return Style(color=style.color, bgcolor=blend.rich_color)


@dataclass(frozen=True, slots=True)
class Frame:
    """The geometry and look every line of one repaint shares."""

    width: int
    height: int
    top: int  # first row on screen (scroll_y)
    left: int  # scroll_x
    focus: bool
    theme: str
