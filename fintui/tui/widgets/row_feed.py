"""Rows built in core (fintui.core.table_rows) onto the one table widget: tones become the
active theme's colours, text goes through the one door for untrusted text, and only the lines
whose rows changed are repainted (RowTable.set_rows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.theme import Theme

from fintui.core.table_rows import Header, Row, Tone
from fintui.tui.widgets.row_table import RowTable, TableColumn
from fintui.tui.widgets.safe import safe


@dataclass(frozen=True, slots=True)
class Palette:
    """Concrete colours from the active theme, for Rich cells (which cannot see $variables)."""

    ok: str
    warn: str
    bad: str
    muted: str

    @classmethod
    def of(cls, theme: Theme) -> Palette:
        return cls(ok=theme.success or "green", warn=theme.warning or "yellow",
                   bad=theme.error or "red", muted=theme.secondary or "grey50")

    def style(self, tone: Tone) -> str:
        return {"": "", "ok": self.ok, "warn": self.warn, "bad": f"bold {self.bad}",
                "muted": self.muted, "marked": f"bold reverse {self.warn}", "bold": "bold",
                "dim": "dim"}[tone]


def fitted_columns(headers: Sequence[Header], rows: Sequence[Row],
                   widths: Mapping[str, int] | None = None) -> list[TableColumn]:
    """Each column as wide as its title and widest cell (as DataTable sizes its columns), or
    as `widths` says; a column `widths` leaves out is not shown."""
    if widths is not None:
        return [TableColumn(h.key, h.title, widths[h.key]) for h in headers if h.key in widths]
    # The table drops (or shrinks) by each header's priority where the width is short.
    return [TableColumn(h.key, h.title, max([cell_len(h.title)] + [
        cell_len(safe(row.text(h.key)).plain) for row in rows]),
        i if h.priority is None else h.priority, h.least) for i, h in enumerate(headers)]


def feed(table: RowTable, columns: Sequence[TableColumn], rows: Sequence[Row],
         palette: Palette) -> None:
    """Show `rows`; the columns are set again only when they changed (a full repaint)."""
    if list(columns) != table.columns:
        table.set_columns(columns)
    by_key = {row.key: row for row in rows}
    table.set_rows([row.key for row in rows], _cell_maker(by_key, palette))


def _cell_maker(rows: Mapping[str, Row], palette: Palette
                ) -> Callable[[str], dict[str, Text]]:
    made: dict[str, dict[str, Text]] = {}

    def cells(key: str) -> dict[str, Text]:
        found = made.get(key)
        if found is None:
            found = made[key] = {column: safe(cell.text, palette.style(cell.tone))
                                 for column, cell in rows[key].cells.items()}
        return found

    return cells
