"""A container's log: loads the tail, follows new lines, searches."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Log, Static

from fintui.core.log_lines import LogTail, cut
from fintui.core.text_safety import one_line
from fintui.model import Container
from fintui.tui.widgets.navigation import NavLog
from fintui.tui.widgets.safe import safe, safe_line
from fintui.watch.reads import ContainerGone, ContainerReads, SourceUnavailable

MAX_LINES = 10_000  # kept in memory for search; the daemon keeps the rest
MAX_CHARS = 8 * 1024 * 1024  # ...and at most this many characters, however long the lines
# A longer line is shown as marked rows of this many characters: the Log measures and renders
# each visible row whole on every repaint, so a 64 KiB row would hold the screen up.
ROW_CHARS = 1_000
# A backlog is handed to the Log in batches of this many lines or characters, not line by
# line (each write starts a thread in the Log); the stream yields to the loop after each.
BATCH = 1_000
BATCH_CHARS = 1024 * 1024


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

    def __init__(self, reads: ContainerReads, container: Container, tail: int) -> None:
        super().__init__()
        self.reads = reads
        self.container = container
        self.tail = tail
        self.lines = LogTail(MAX_CHARS, MAX_LINES)
        self.pending: list[str] = []  # read, not yet handed to the Log (at most one batch)
        self.pending_chars = 0
        self.shown = 0  # lines the Log holds: those of self.lines that match the search
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
            parts.append(f"search {one_line(self.query_text, 30)!r}: {self.shown} lines")
        if self.ended:
            parts.append(self.ended)
        self.query_one("#title", Static).update(safe("  ·  ".join(parts)))

    def _match(self, line: str) -> bool:
        return self.query_text.lower() in line.lower()

    @work(exclusive=True, group="logs", exit_on_error=False)
    async def stream(self) -> None:
        try:
            async for raw in self.reads.logs(self.container.id, self.tail, follow=True):
                if not self.pending:  # shown once the stream waits for more (or a batch fills)
                    self.call_later(self._flush)
                line = safe_line(raw)
                if len(line) <= ROW_CHARS:  # the usual case, kept cheap: a backlog is big
                    self.pending.append(line)
                else:
                    self.pending += cut(line, ROW_CHARS)
                self.pending_chars += len(line)
                if len(self.pending) >= BATCH or self.pending_chars >= BATCH_CHARS:
                    self._flush()
                    await asyncio.sleep(0)
            self.ended = "stream ended (container stopped?)"
        except ContainerGone:
            self.ended = "container no longer exists"
        except SourceUnavailable as exc:
            self.ended = f"log stream lost: {exc}"
        self._flush()
        self._title()

    def _flush(self) -> None:
        """Hand the pending lines to the Log; the Log drops what self.lines dropped."""
        batch, self.pending, self.pending_chars = self.pending, [], 0
        if not batch:
            return
        gone = self.lines.extend(batch)
        dropped = sum(1 for line in gone if self._match(line)) if self.query_text else len(gone)
        new = [line or " " for line in batch if self._shows(line)]  # the Log skips "" lines
        if not new and not dropped:
            return
        self.shown += len(new) - dropped
        log = self.query_one(Log)
        tracking = self.follow and log.is_vertical_scroll_end  # as the Log decides to scroll
        top = log.scroll_y
        log.max_lines = self.shown  # the Log keeps exactly the matching lines still kept
        log.write_lines(new, scroll_end=self.follow)
        if dropped:
            # Trimmed, the Log keeps its height: at the end nothing scrolls, and it repaints only
            # the rows past its old end, so it would keep showing the old bottom; and a view
            # not at the end would slide by the dropped lines under the reader.
            if not tracking or log.is_vertical_scrollbar_grabbed:
                log.scroll_to(y=max(0, top - dropped), animate=False, immediate=True)
            log.refresh()
        if self.query_text:
            self._title()

    def _shows(self, line: str) -> bool:
        return not self.query_text or self._match(line)

    def _redraw(self) -> None:
        self._flush()
        log = self.query_one(Log)
        log.clear()
        new = [line or " " for line in self.lines if self._shows(line)]
        self.shown = len(new)
        log.max_lines = self.shown
        log.write_lines(new, scroll_end=True)
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
        log = self.query_one(Log)
        log.auto_scroll = self.follow
        if self.follow:  # resume at the newest line, wherever the user had scrolled to
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self._title()
