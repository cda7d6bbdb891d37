"""The Line API table under the Containers pane: only rows on screen are built, only lines that
changed are repainted, and it moves like a DataTable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from fintui.tui.widgets.row_table import RowTable, TableColumn
from tests.tui.helpers import screen_text


class Rows:
    """300 rows; counts how often each row's cells are asked for."""

    def __init__(self) -> None:
        self.keys = [f"row-{i:03}" for i in range(300)]
        self.values = {k: str(i) for i, k in enumerate(self.keys)}
        self.asked: dict[str, int] = {}

    def cells(self, key: str) -> dict[str, Text]:
        self.asked[key] = self.asked.get(key, 0) + 1
        return {"name": Text(key), "value": Text(self.values[key], style="bold")}


class TableApp(App[None]):
    def __init__(self, rows: Rows) -> None:
        super().__init__()
        self.rows = rows
        self.headers: list[str] = []

    def on_row_table_header_selected(self, message: RowTable.HeaderSelected) -> None:
        self.headers.append(message.column_key)

    def compose(self) -> ComposeResult:
        yield RowTable(id="t")

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        table.set_columns([TableColumn("name", "Name", 10), TableColumn("value", "Value", 6)])
        table.set_rows(self.rows.keys, self.rows.cells)
        table.focus()


@asynccontextmanager
async def shown(rows: Rows) -> AsyncIterator[tuple[TableApp, Pilot[None], RowTable]]:
    """The 300 rows in a 40x12 terminal, drawn once."""
    app = TableApp(rows)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        yield app, pilot, app.query_one(RowTable)


async def test_only_rows_on_screen_are_built_and_keys_move_like_a_datatable() -> None:
    rows = Rows()
    async with shown(rows) as (app, pilot, table):
        assert "Name" in screen_text(app) and "row-000" in screen_text(app)
        assert len(rows.asked) <= 12, "only the rows on screen are rendered"
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row == 299 and table.selected_key() == "row-299"
        assert "row-299" in screen_text(app) and "row-000" not in screen_text(app)
        assert screen_text(app).splitlines()[0].startswith(" Name"), "the header stays put"
        await pilot.press("g", "j", "j", "pagedown")
        await pilot.pause()
        assert table.cursor_row == 2 + 10  # a page: the 11 rows shown, less one
        await pilot.press("k", "home")
        assert table.cursor_row == 0
        assert len(rows.asked) < 40, "scrolling far builds only what was shown"


async def test_new_data_repaints_only_the_lines_that_changed() -> None:
    rows = Rows()
    async with shown(rows) as (app, pilot, table):
        repainted: list[int] = []
        original = table.refresh_line

        def spy(y: int) -> None:
            repainted.append(y)
            original(y)

        table.refresh_line = spy  # type: ignore[method-assign]
        table.set_rows(rows.keys, rows.cells)  # the same data again
        assert repainted == []
        rows.values["row-004"] = "changed"
        table.set_rows(rows.keys, rows.cells)
        assert repainted == [5]  # row 4 sits under the header line
        await pilot.pause()
        assert "chang…" in screen_text(app)  # cut to its 6 cells, and says so


async def test_the_cursor_stays_on_its_row_when_rows_move_and_clicks_select() -> None:
    rows = Rows()
    async with shown(rows) as (app, pilot, table):
        table.move_cursor(row=3)
        table.set_rows(["row-999", *rows.keys], lambda k: {"name": Text(k)})
        assert table.selected_key() == "row-003" and table.cursor_row == 4
        await pilot.click(table, offset=(2, 2))  # the second row on screen
        assert table.cursor_row == 1
        await pilot.click(table, offset=(14, 0))
        await pilot.pause()
        assert app.headers == ["value"]


class WideApp(App[None]):
    """Four columns that need 62 cells: a free-text one that may shrink, ranked last."""

    def compose(self) -> ComposeResult:
        yield RowTable(id="t")

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        table.set_columns([TableColumn("name", "Name", 12, 0), TableColumn("note", "Note", 30,
                                                                          3, least=8),
                           TableColumn("size", "Size", 7, 1), TableColumn("age", "Age", 5, 2)])
        table.set_rows(["a"], lambda key: {"name": Text("ledger-data"),
                                           "note": Text("x" * 30), "size": Text("4.01GiB"),
                                           "age": Text("30d")})


async def test_columns_fit_the_width_dropped_whole_and_follow_a_resize() -> None:
    """No sideways scrollbar: what does not fit is dropped whole (or a free-text column is
    cut), and a wider terminal brings it back."""
    app = WideApp()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        assert [c.key for c in table.columns] == ["name", "note", "size", "age"]
        assert table.total_width <= 40 and table.virtual_size.width <= 40
        row = screen_text(app).splitlines()[1]
        assert "4.01GiB" in row and "30d" in row and "x…" in row  # numbers whole, text cut
        await pilot.resize_terminal(30, 6)
        await pilot.pause()
        assert [c.key for c in table.columns] == ["name", "size", "age"]
        await pilot.resize_terminal(90, 6)
        await pilot.pause()
        assert [c.width for c in table.columns] == [12, 30, 7, 5]
