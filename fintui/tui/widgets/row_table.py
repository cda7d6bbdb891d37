"""A table that renders only the rows on screen and repaints only the lines that changed.

Textual's DataTable re-renders every visible cell through Rich whenever any cell changes
(80-140 ms per refresh at 500 rows). This one uses the Line API: the owner hands it an ordered
list of row keys and a function that gives one row's cells; rows are built only when they are
on screen, and after new data only the screen lines whose text or style differ are repainted,
so an unchanged refresh writes nothing to the terminal. It looks and moves like the DataTable
it replaces (the same component classes, so themes style both alike).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from fintui.tui.widgets.navigation import vim_bindings
from fintui.tui.widgets.row_cells import Frame, cell_meta, faded, fit_cell, fit_columns, parse_style
from fintui.tui.widgets.row_cells import TableColumn as TableColumn

Cells = Callable[[str], Mapping[str, Text]]


class RowTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"datatable--header", "datatable--cursor", "datatable--even-row",
                         "datatable--odd-row"}
    # DataTable's own rules for these classes, so a theme's DataTable rules read the same.
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        /* The columns are fitted to the width: a sideways scrollbar only ever flashed in
           for the moment between new columns and their fitting. */
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .datatable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .datatable--header { background-tint: $foreground 5%; }
        }
        &:dark { & > .datatable--even-row { background: $surface-darken-1 40%; } }
        & > .datatable--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .datatable--header { background: ansi_bright_blue; color: ansi_default; }
        & > .datatable--even-row { background: $surface-lighten-1 50%; }
        & > .datatable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
        Binding("enter", "select_cursor", "Select", show=False),
        *vim_bindings("cursor_down", "cursor_up", "scroll_top", "scroll_bottom"),
    ]

    class HeaderSelected(Message):
        """A column title was clicked."""

        def __init__(self, column_key: str) -> None:
            super().__init__()
            self.column_key = column_key

    class RowMessage(Message):
        def __init__(self, table: RowTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> RowTable:  # for @on(..., "#id")
            return self.table

    class Selected(RowMessage):
        """Enter on the cursor row."""

    class Highlighted(RowMessage):
        """The cursor moved to another row."""

    def __init__(self, cell_padding: int = 1, id: str | None = None, zebra: bool = True,
                 cursor: bool = True, cell_segments: bool = True) -> None:
        super().__init__(id=id)
        self.cell_padding = cell_padding
        self.zebra = zebra  # alternate rows striped (DataTable's zebra_stripes)
        self.show_cursor = cursor  # False: a list to read, no row highlighted
        # Each cell its own segment, padded in the row's style (as DataTable draws them);
        # the Containers table draws a cell and its padding as one.
        self.cell_segments = cell_segments
        self.columns: list[TableColumn] = []  # those shown, fitted to the width
        self._declared: list[TableColumn] = []  # as the owner set them
        self.keys: list[str] = []
        self.cursor_row = 0
        self._cells: Cells = lambda _key: {}
        self._generation = 0
        self._styles: tuple[tuple[object, ...], dict[str, Style]] | None = None
        # Screen line -> (what it showed, its strip): the last frame, to repaint only changes.
        self._shown: dict[int, tuple[tuple[object, ...], Strip]] = {}
        self._drawing: Frame | None = None

    # ---- data --------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[TableColumn]) -> None:
        if list(columns) == self._declared:
            return  # the same columns: the fitted ones stand
        self._declared = list(columns)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Show the columns that fit the width, dropped whole by priority: the table never
        needs a sideways scrollbar. Before the first layout (no width) all are kept."""
        room = self.size.width
        if len(self.keys) + 1 > self.size.height:  # a vertical scrollbar takes its cells
            room -= self.styles.scrollbar_size_vertical
        columns = fit_columns(self._declared, room, self.cell_padding)
        if columns != self.columns:
            self.columns = columns
            self._repaint_all()
        self._resize()

    def set_rows(self, keys: Sequence[str], cells: Cells) -> None:
        """New data: the rows in order and how to render one. Keeps the cursor on the same
        row key when it is still there, and repaints only the screen lines that changed."""
        selected = self.selected_key()
        old_index = self.cursor_row
        if list(keys) != self.keys:
            scrollbar_changed = (len(self.keys) + 1 > self.size.height) != \
                (len(keys) + 1 > self.size.height)
            self.keys = list(keys)
            if scrollbar_changed:  # the vertical scrollbar comes or goes: the room changed
                self._fit_columns()
            self._resize()
            if selected in self.keys:
                self._set_cursor(self.keys.index(selected))
            else:
                self._set_cursor(min(old_index, max(len(self.keys) - 1, 0)))
        self._cells = cells
        self._generation += 1
        self._repaint_changed()

    def row_keys(self) -> list[str]:
        """Every row's key, in the order shown."""
        return list(self.keys)

    def selected_key(self) -> str | None:
        return self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None

    def cell_text(self, key: str, column: str) -> str:
        """The plain text a cell shows (before fitting to its width)."""
        return self._cells(key)[column].plain

    @property
    def row_count(self) -> int:
        return len(self.keys)

    @property
    def total_width(self) -> int:
        return sum(c.width + 2 * self.cell_padding for c in self.columns)

    def _resize(self) -> None:
        self.virtual_size = Size(self.total_width, len(self.keys) + 1)  # + the header line

    # ---- cursor ------------------------------------------------------------------------

    def move_cursor(self, row: int, animate: bool = False, scroll: bool = True) -> None:
        self._set_cursor(row, scroll)

    def _set_cursor(self, row: int, scroll: bool = True) -> None:
        row = max(0, min(row, len(self.keys) - 1)) if self.keys else 0
        before = self.cursor_row
        self.cursor_row = row
        self._refresh_row(before)
        self._refresh_row(row)
        if row != before:
            self.post_message(self.Highlighted(self))
        if scroll:
            self.scroll_cursor_visible()

    def scroll_cursor_visible(self) -> None:
        rows_shown = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows_shown:
            self.scroll_to(y=self.cursor_row - rows_shown + 1, animate=False, immediate=True)

    def _refresh_row(self, row: int) -> None:
        line = row - round(self.scroll_y) + 1
        if 1 <= line < self.scrollable_content_region.height:
            self._shown.pop(line, None)
            self.refresh_line(line + round(self.scroll_y))

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self._set_cursor(self.cursor_row + max(self.scrollable_content_region.height - 2, 1))

    def action_page_up(self) -> None:
        self._set_cursor(self.cursor_row - max(self.scrollable_content_region.height - 2, 1))

    def action_scroll_top(self) -> None:
        self._set_cursor(0)

    def action_scroll_bottom(self) -> None:
        self._set_cursor(len(self.keys) - 1)

    def action_select_cursor(self) -> None:
        if self.keys:
            self.post_message(self.Selected(self))

    async def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x + round(self.scroll_x)
            for column in self.columns:
                x -= column.width + 2 * self.cell_padding
                if x < 0:
                    self.post_message(self.HeaderSelected(column.key))
                    return
            return
        row = round(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.keys):
            self._set_cursor(row, scroll=False)

    # ---- rendering ---------------------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._repaint_all()
        super().watch_scroll_y(old, new)

    def watch_scroll_x(self, old: float, new: float) -> None:
        self._repaint_all()
        super().watch_scroll_x(old, new)

    def on_resize(self) -> None:
        self._fit_columns()
        self._repaint_all()

    def _repaint_all(self) -> None:
        self._shown.clear()
        self.refresh()

    def _frame(self) -> Frame:
        """The geometry and look every line of one repaint shares: asking Textual for each
        (region, scroll, focus, theme) once per line cost more than building the line."""
        return Frame(self.scrollable_content_region.width,
                      self.scrollable_content_region.height, round(self.scroll_y),
                      round(self.scroll_x), self.has_focus, self.app.theme)

    def _repaint_changed(self) -> None:
        """Rebuild the lines on screen; repaint just those whose strips differ."""
        if not self._shown:
            self.refresh()
            return
        frame = self._frame()
        for line in range(frame.height):
            state = self._line_state(line, frame)
            shown = self._shown.get(line)
            if shown is None:
                self.refresh_line(line + frame.top)
                continue
            if shown[0] == state:
                continue  # same row, same look: nothing to draw
            strip = self._build(line, state, frame)
            if strip != shown[1]:
                self._shown[line] = (state, strip)
                self.refresh_line(line + frame.top)
            else:
                self._shown[line] = (state, strip)

    def _line_state(self, line: int, frame: Frame) -> tuple[object, ...]:
        """What decides a screen line's look; equal states draw equal strips."""
        if line == 0:
            return ("header", frame.width, frame.left, frame.focus, frame.theme)
        row = frame.top + line - 1
        if row >= len(self.keys):
            return ("blank", frame.width, frame.focus, frame.theme)
        return (self.keys[row], row % 2, row == self.cursor_row, frame.width, frame.left,
                frame.focus, frame.theme, self._generation)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawing = self._frame()  # one frame for every line of this pass
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def render_line(self, y: int) -> Strip:
        frame = self._drawing or self._frame()
        state = self._line_state(y, frame)
        shown = self._shown.get(y)
        if shown is not None and shown[0] == state:
            return shown[1]
        strip = self._build(y, state, frame)
        self._shown[y] = (state, strip)
        return strip

    def _style_set(self) -> dict[str, Style]:
        """The widget's and its component classes' styles; asking Textual for them is slow,
        so once per theme and focus state."""
        key = (self.app.theme, self.has_focus, self.app.current_theme.dark)
        if self._styles is None or self._styles[0] != key:
            base = self.rich_style
            get = self.get_component_rich_style
            self._styles = (key, {
                "base": base, "header": base + get("datatable--header"),
                "even": base + get("datatable--even-row"),
                "odd": base + get("datatable--odd-row"), "cursor": get("datatable--cursor")})
        return self._styles[1]

    def _build(self, line: int, state: tuple[object, ...], frame: Frame) -> Strip:
        width = frame.width
        styles = self._style_set()
        if line == 0:
            cells = [(c.title, Style.null()) for c in self.columns]
            return self._strip(cells, styles["header"], None, frame, header=True, row=-1)
        if state[0] == "blank":
            return Strip.blank(width, styles["base"])
        row = frame.top + line - 1
        key = self.keys[row]
        row_style = styles["even" if row % 2 == 0 else "odd"] if self.zebra else styles["base"]
        cursor = styles["cursor"] if row == self.cursor_row and self.show_cursor else None
        values = self._cells(key)
        cells = []
        for column in self.columns:
            text = values.get(column.key)
            if text is None:
                cells.append(("", Style.null()))
                continue
            spec = text.style
            cells.append((text.plain, parse_style(spec) if isinstance(spec, str) else spec))
        return self._strip(cells, row_style, cursor, frame, row=row)

    def _strip(self, cells: list[tuple[str, Style]], row_style: Style, cursor: Style | None,
               frame: Frame, header: bool = False, row: int = 0) -> Strip:
        pad = " " * self.cell_padding
        around = row_style + cursor if cursor is not None else row_style
        line_style = around
        if header:  # past the last column the heading's underline stops, as DataTable's does
            line_style += Style(underline=False)
            if not self.show_cursor:  # and a list's heading fades there, as DataTable's does
                line_style = faded(row_style, self._style_set()["base"])
        segments = []
        for index, ((plain, cell_style), column) in enumerate(zip(cells, self.columns,
                                                                   strict=True)):
            # The cursor's colours win over a cell's own, as DataTable's do.
            style = row_style + cell_style + cursor if cursor is not None \
                else row_style + cell_style
            if not self.cell_segments:
                segments.append(Segment(pad + fit_cell(plain, column.width) + pad, style))
                continue
            # A cell of its own, its padding in the row's style: as DataTable draws cells.
            meta = cell_meta(row, index)
            text = fit_cell(plain, column.width).rstrip(" ") if plain.strip() else ""
            fill = pad + " " * (column.width - cell_len(text)) + pad
            if text:
                segments += [Segment(pad, around + meta), Segment(text, style + meta),
                             Segment(fill[len(pad):], around + meta)]
            else:
                segments.append(Segment(fill, around + meta))
        strip = Strip(segments).crop(frame.left, frame.left + frame.width)
        return strip.extend_cell_length(frame.width, line_style)
