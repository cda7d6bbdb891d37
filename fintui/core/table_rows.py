"""The contract every table of the console is drawn from: rows built here, in pure functions
(as lazydocker's presentation package), drawn by the one table widget. A row is a stable key
and a cell per column key; a cell is plain, escape-safe text and a tone, the colour class the
view turns into the active theme's colour (every tone also has a word or symbol in the text:
colour is never the only sign)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# ok/warn/bad/muted: the theme's success, warning, error (bold) and secondary colours;
# marked: reversed warning (an isolated container); bold and dim: weight only.
Tone = Literal["", "ok", "warn", "bad", "muted", "marked", "bold", "dim"]


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    tone: Tone = ""


@dataclass(frozen=True, slots=True)
class Header:
    """A column. Where the terminal is too narrow for every column, the table keeps them by
    `priority` (0 longest; None: its position, so the leftmost stays longest) and drops the
    rest whole; a column with a `least` width shrinks to it first, cutting its text with `…`
    (only free text: a number is never cut)."""

    key: str
    title: str
    priority: int | None = None
    least: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # stable across refreshes: the cursor stays on it, unchanged rows stay drawn
    cells: Mapping[str, Cell]

    def text(self, column: str) -> str:
        cell = self.cells.get(column)
        return cell.text if cell is not None else ""


def headers(*titles: str | Header) -> tuple[Header, ...]:
    """Columns whose key is their title (tables whose columns never move); a Header given
    whole keeps its priority and least width."""
    return tuple(t if isinstance(t, Header) else Header(t, t) for t in titles)


def stretch(title: str, least: int, priority: int | None = None) -> Header:
    """A free-text column that may shrink to `least` cells (its text cut with `…`)."""
    return Header(title, title, priority, least)


def plain_row(key: str, columns: tuple[Header, ...], texts: tuple[str, ...],
              tones: Mapping[str, Tone] | None = None) -> Row:
    """A row from texts in column order; `tones` by column key where one is not plain."""
    tones = tones or {}
    return Row(key, {c.key: Cell(t, tones.get(c.key, "")) for c, t in
                     zip(columns, texts, strict=True)})
