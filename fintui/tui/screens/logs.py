"""A container's log: loads the tail, follows new lines, searches."""

from __future__ import annotations

from collections import deque

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Log, Static

from fintui.core.text_safety import one_line
from fintui.model import Container
from fintui.sources.base import ClusterSource, ContainerGone, SourceUnavailable
from fintui.tui.widgets.navigation import NavLog
from fintui.tui.widgets.safe import safe, safe_line

MAX_LINES = 10_000  # kept in memory for search; the daemon keeps the rest


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back / clear search", id="logs.back"),
        Binding("q", "app.pop_screen", "Close", id="logs.close"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("f", "toggle_follow", "Follow on/off", id="logs.follow"),
    ]
    DEFAULT_CSS = """
    LogScreen #title { height: 1; background: $panel; padding: 0 1; }
    LogScreen #search { display: none; }
    LogScreen.-searching #search { display: block; }
    LogScreen Log { height: 1fr; }
    """

    def __init__(self, source: ClusterSource, container: Container, tail: int) -> None:
        super().__init__()
        self.source = source
        self.container = container
        self.tail = tail
        self.lines: deque[str] = deque(maxlen=MAX_LINES)
        self.query_text = ""
        self.follow = True
        self.ended = ""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Input(placeholder="search (enter to keep, escape to clear)", id="search")
        yield NavLog(id="log", highlight=False, max_lines=MAX_LINES)
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.query_one(Log).focus()
        self.stream()

    def _title(self) -> None:
        parts = [f"logs: {self.container.name}",
                 "following" if self.follow else "paused (f to follow)"]
        if self.query_text:
            shown = sum(1 for line in self.lines if self._match(line))
            parts.append(f"search {one_line(self.query_text, 30)!r}: {shown} lines")
        if self.ended:
            parts.append(self.ended)
        self.query_one("#title", Static).update(safe("  ·  ".join(parts)))

    def _match(self, line: str) -> bool:
        return self.query_text.lower() in line.lower()

    @work(exclusive=True, group="logs", exit_on_error=False)
    async def stream(self) -> None:
        log = self.query_one(Log)
        try:
            async for raw in self.source.logs(self.container.id, self.tail, follow=True):
                line = safe_line(raw)
                self.lines.append(line)
                if not self.query_text or self._match(line):
                    log.write_line(line, scroll_end=self.follow)
            self.ended = "stream ended (container stopped?)"
        except ContainerGone:
            self.ended = "container no longer exists"
        except SourceUnavailable as exc:
            self.ended = f"log stream lost: {exc}"
        self._title()

    def _redraw(self) -> None:
        log = self.query_one(Log)
        log.clear()
        log.write_lines([line for line in self.lines
                         if not self.query_text or self._match(line)], scroll_end=True)
        self._title()

    def action_search(self) -> None:
        self.add_class("-searching")
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._redraw()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(Log).focus()

    def action_back(self) -> None:
        if self.query_text or self.has_class("-searching"):
            self.query_one("#search", Input).value = ""
            self.query_text = ""
            self.remove_class("-searching")
            self._redraw()
            self.query_one(Log).focus()
        else:
            self.app.pop_screen()

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self.query_one(Log).auto_scroll = self.follow
        self._title()
