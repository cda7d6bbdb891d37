"""The log viewer's Log: error and warning lines and the words searched for are styled as each
row is drawn (only the rows on screen, so a big backlog costs nothing more), the current match
is underlined, and long lines can be wrapped into rows.

The rows are plain strings (a Log never parses markup: `[bold]` in a line stays characters);
escapes were made visible before they got here (safe_line)."""

from __future__ import annotations

from rich.cells import chop_cells
from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.theme import Theme

from fintui.core.log_search import Kind, Search, marks
from fintui.tui.widgets.navigation import NavLog


class LogHighlighter(Highlighter):
    """Error lines in the error colour and warning lines in the warning colour, their level
    word bold; searched words bold and reversed, which reads without any colour (mono)."""

    def __init__(self) -> None:
        self.search = Search.parse("")
        # All lines shown: mark words only in the lines that match (an INFO line holding one
        # of two words is not a match). Only matches shown: every row, wrapped pieces too.
        self.every_word = False
        self.styles: dict[Kind, tuple[Style, Style]] = {}
        self.theme(None)

    def theme(self, theme: Theme | None) -> None:
        error = (theme.error if theme else None) or "red"
        warn = (theme.warning if theme else None) or "yellow"
        if theme is not None and theme.foreground:  # mono: a "colour" that is the text's own
            same = theme.foreground.lower()
            error, warn = ("" if c.lower() == same else c for c in (error, warn))
        # (style of the whole line, style of the word itself)
        self.styles = {
            "error": (Style.parse(error or "none"), Style.parse(f"bold {error}")),
            "warn": (Style.parse(warn or "none"), Style.parse(f"bold {warn}")),
            "match": (Style(bold=True, reverse=True), Style(bold=True, reverse=True)),
        }

    def highlight(self, text: Text) -> None:
        line = text.plain
        seen: set[Kind] = set()
        for start, end, kind in marks(line, self.search, self.every_word):
            whole, word = self.styles[kind]
            # marks gives a level twice: the whole line first, then its word.
            text.stylize(word if kind in seen or kind == "match" else whole, start, end)
            seen.add(kind)


def wrap_rows(line: str, width: int) -> list[str]:
    """`line` as rows of at most `width` cells (one row, however short, for an empty line)."""
    if width < 1 or (len(line) <= width and line.isascii()):
        return [line]
    if line.isascii():  # the usual case: one cell per character
        return [line[i:i + width] for i in range(0, len(line), width)]
    return chop_cells(line, width) or [line]


class LogView(NavLog):
    """A NavLog that highlights as it draws and underlines `cursor` rows (first, count)."""

    def __init__(self, *, id: str | None = None, max_lines: int | None = None) -> None:
        super().__init__(id=id, highlight=True, max_lines=max_lines)
        self.log_highlighter = LogHighlighter()
        self.highlighter = self.log_highlighter
        self.cursor: tuple[int, int] | None = None

    def on_mount(self) -> None:
        self.log_highlighter.theme(self.app.current_theme)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        self.log_highlighter.theme(theme)
        self.refresh()

    def on_resize(self) -> None:
        if self.auto_scroll:  # following: a shorter view still ends at the newest line
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def set_cursor(self, cursor: tuple[int, int] | None) -> None:
        self.cursor = cursor
        self.refresh()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.cursor is not None:
            first, count = self.cursor
            if first <= self.scroll_offset.y + y < first + count:
                return strip.apply_style(Style(underline=True))
        return strip
