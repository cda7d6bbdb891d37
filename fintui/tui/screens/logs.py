"""A container's log: loads the tail, follows new lines, searches by words, saves what it shows.

Search works as k9s and lazydocker filter: `/` and words show only the lines holding every word
(any order, any case), the words highlighted; `&` shows all lines again with the matches still
highlighted, and `n`/`N` underline the next/previous matching line and scroll to it (as less
does). Error and warning lines are coloured whatever the search."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from fintui.core.log_lines import LogTail, cut, saved_log_name
from fintui.core.log_search import Search
from fintui.core.text_safety import one_line
from fintui.model import Container
from fintui.private_files import save_lines
from fintui.tui.key_order import hold_keys_for
from fintui.tui.screens.log_runs import RESTARTED, end_reason, next_run
from fintui.tui.widgets.log_view import LogView, wrap_rows
from fintui.tui.widgets.safe import safe, safe_line
from fintui.tui.widgets.typed_input import TypedInput
from fintui.watch.reads import ContainerGone, ContainerReads, SourceUnavailable

RUN_TAIL = 1_000  # a restarted run's lines are read back from at most this many
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
        Binding("escape", "back", "Back / clear search", id="logs.back", show=False),
        Binding("q", "app.pop_screen", "Close", id="logs.close", show=False),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match", "Next match", id="logs.next", key_display="n/N"),
        Binding("N", "previous_match", "Previous match", id="logs.previous", show=False),
        Binding("ampersand", "toggle_filter", "Filter", id="logs.filter",
                key_display="&", tooltip="Show all lines or only the matching ones"),
        Binding("f", "toggle_follow", "Follow", id="logs.follow"),
        Binding("w", "toggle_wrap", "Wrap", id="logs.wrap"),
        Binding("t", "toggle_timestamps", "Timestamps", id="logs.timestamps"),
        Binding("s", "save", "Save", id="logs.save"),
    ]
    DEFAULT_CSS = """
    LogScreen #title { height: auto; max-height: 3; background: $panel; padding: 0 1; }
    LogScreen #search { display: none; }
    LogScreen.-searching #search { display: block; }
    LogScreen LogView { height: 1fr; }
    """

    def __init__(self, reads: ContainerReads, container: Container, tail: int,
                 save_dir: Path | None = None) -> None:
        super().__init__()
        self.reads = reads
        self.container = container
        self.tail = tail
        self.save_dir = save_dir  # None: the current directory, as `docker logs > file` would
        self.lines = LogTail(MAX_CHARS, MAX_LINES)
        self.pending: list[str] = []  # read, not yet handed to the Log (at most one batch)
        self.pending_chars = 0
        self.shown = 0  # rows the Log holds: those of the lines of self.lines it shows
        self.query_text = ""
        self.search = Search.parse("")
        self.matched = 0  # kept lines that match the search
        self.only_matches = True  # with a search: show only the matching lines
        self.follow = True
        self.wrap = False
        self.wrap_width = 0  # the width rows were wrapped to
        self.timestamps = False
        self.ended = ""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield TypedInput(placeholder="words to find, any order (enter: keep; escape: clear)",
                         id="search")
        yield LogView(id="log", max_lines=MAX_LINES)
        # The log's own keys, all of them at 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self._title()
        self.log_view.focus()
        self.stream()

    def _title(self) -> None:
        parts = [f"logs: {self.container.name}", self.ended or (
            "following" if self.follow else "paused (f to follow)")]
        if self.search:
            query = one_line(" ".join(self.query_text.split()), 30)
            parts.append(f'search "{query}": {self.matched} lines' if self.only_matches else
                         f'search "{query}": {self.matched} lines match, all shown')
        parts += [flag for flag, on_ in (("wrap", self.wrap), ("timestamps", self.timestamps))
                  if on_]
        title = safe(" · ".join(parts))
        title.no_wrap = False  # at 80 columns a long title folds, nothing is cut
        self.query_one("#title", Static).update(title)

    # -- the stream --------------------------------------------------------------------------

    @work(exclusive=True, group="logs", exit_on_error=False)
    async def stream(self) -> None:
        # The daemon ends a followed log when the container stops; a crash loop's next run
        # (restart policy) is followed on, after a marked line, while the viewer is open: from
        # the lines stamped since that run started (it may have written before we looked).
        since = ""
        while await self._follow(RUN_TAIL if since else self.tail, since):
            self.ended, since = await next_run(self.reads, self.container.id, self.ended)
            if not since:
                break
            self.pending.append(RESTARTED)
            self._title()

    async def _follow(self, tail: int, since: str = "") -> bool:
        """One stream, to its end; True when it ended by itself (not lost or removed)."""
        try:
            async for raw in self.reads.logs(self.container.id, tail, follow=True,
                                             timestamps=self.timestamps or bool(since)):
                if since:  # the daemon's RFC 3339 stamps sort as text
                    stamp, _, text = raw.partition(" ")
                    if stamp < since:
                        continue
                    raw = raw if self.timestamps else text
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
            self._flush()
            self.ended, _ = await end_reason(self.reads, self.container.id)
            return True
        except ContainerGone:
            self.ended = "ended: container removed"
        except SourceUnavailable as exc:
            self.ended = f"log stream lost: {exc}"
        finally:
            self._flush()
            self._title()
        return False

    def _restart(self) -> None:
        """Read the log again from its tail (another stream replaces this one)."""
        self.lines = LogTail(MAX_CHARS, MAX_LINES)
        self.pending, self.pending_chars = [], 0
        self.shown = self.matched = 0
        self.ended = ""
        log = self.log_view
        log.clear()
        log.set_cursor(None)
        self.stream()
        self._title()

    # -- what the Log shows ------------------------------------------------------------------

    def _shows(self, line: str) -> bool:
        return not self.only_matches or self.search.matches(line)

    def _rows(self, lines: Iterable[str]) -> list[str]:
        """The Log's rows for these lines: "" as " " (the Log skips empty lines), and with
        wrap on, each line cut to the Log's width."""
        if not self.wrap:
            return [line or " " for line in lines]
        rows: list[str] = []
        for line in lines:
            rows += wrap_rows(line or " ", self.wrap_width)
        return rows

    def _row_count(self, line: str) -> int:
        if not self.wrap or len(line) <= self.wrap_width:
            return 1
        return -(-len(line) // self.wrap_width) if line.isascii() else len(self._rows([line]))

    def _flush(self) -> None:
        """Hand the pending lines to the Log; the Log drops what self.lines dropped."""
        batch, self.pending, self.pending_chars = self.pending, [], 0
        if not batch:
            return
        gone = self.lines.extend(batch)
        search = self.search
        if search:
            self.matched += sum(map(search.matches, batch)) - sum(map(search.matches, gone))
        filtering = bool(search) and self.only_matches
        if filtering:
            new = self._rows(line for line in batch if search.matches(line))
            gone = [line for line in gone if search.matches(line)]
        else:
            new = self._rows(batch)
        dropped = sum(map(self._row_count, gone)) if self.wrap else len(gone)
        if not new and not dropped:
            if search:
                self._title()
            return
        self.shown += len(new) - dropped
        log = self.log_view
        tracking = self.follow and log.is_vertical_scroll_end  # as the Log decides to scroll
        top = log.scroll_y
        log.max_lines = self.shown  # the Log keeps exactly the rows of the lines still kept
        log.write_lines(new, scroll_end=self.follow)
        if dropped:
            # Trimmed, the Log keeps its height: at the end nothing scrolls, and it repaints only
            # the rows past its old end, so it would keep showing the old bottom; and a view
            # not at the end would slide by the dropped lines under the reader.
            if not tracking or log.is_vertical_scrollbar_grabbed:
                log.scroll_to(y=max(0, top - dropped), animate=False, immediate=True)
            if log.cursor is not None:
                first, count = log.cursor
                log.cursor = (first - dropped, count) if first - dropped >= 0 else None
            log.refresh()
        if search:
            self._title()

    def _redraw(self) -> None:
        self._flush()
        log = self.log_view
        log.clear()
        log.set_cursor(None)
        log.log_highlighter.search = self.search
        log.log_highlighter.every_word = not self.only_matches
        self.wrap_width = max(8, log.scrollable_content_region.width)
        self.matched = sum(map(self.search.matches, self.lines)) if self.search else 0
        new = self._rows(line for line in self.lines if self._shows(line))
        self.shown = len(new)
        log.max_lines = self.shown
        log.write_lines(new, scroll_end=False)
        if self.follow:  # cleared, the Log no longer knows it was at the end
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self._title()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._rewrap)  # once the Log has its new size

    def _rewrap(self) -> None:
        if self.wrap and self.log_view.scrollable_content_region.width != self.wrap_width:
            self._redraw()

    # -- search ------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.add_class("-searching")
        field = self.query_one("#search", Input)
        field.focus()
        hold_keys_for(self, ready=lambda: field.has_focus)  # `/warn` typed at once

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.search = Search.parse(event.value)
        self._redraw()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.log_view.focus()

    def action_toggle_filter(self) -> None:
        self.only_matches = not self.only_matches
        self._redraw()

    def action_next_match(self) -> None:
        self._jump(forward=True)

    def action_previous_match(self) -> None:
        self._jump(forward=False)

    def _jump(self, forward: bool) -> None:
        """Underline the next (or previous) matching line after the underlined one, or after
        the top of the view (before its bottom); the view pauses to stay on it."""
        if not self.search:
            self.notify("Nothing to find yet: press / and type the words", markup=False)
            return
        self._flush()
        log = self.log_view
        if log.cursor is not None:
            start = log.cursor[0]
        else:
            start = log.scroll_offset.y - 1 if forward else log.scroll_offset.y + log.size.height
        row, found = 0, None
        for line in self.lines:
            if not self._shows(line):
                continue
            count = self._row_count(line)
            if self.search.matches(line):
                if forward and row > start:
                    found = (row, count)
                    break
                if not forward and row < start:
                    found = (row, count)
                elif not forward:
                    break
            row += count
        if found is None:
            self.notify(f"No {'later' if forward else 'earlier'} match", markup=False)
            return
        log.set_cursor(found)
        if self.follow:  # new lines would scroll the match away
            self._set_follow(False)
        self._title()
        self.call_after_refresh(self._reveal, found)  # once a longer title has taken its row

    def _reveal(self, rows: tuple[int, int]) -> None:
        log, (first, count) = self.log_view, rows
        height = log.scrollable_content_region.height
        if not log.scroll_offset.y <= first <= log.scroll_offset.y + height - count:
            log.scroll_to(y=max(0, first - height // 3), animate=False, immediate=True)

    def action_back(self) -> None:
        if self.query_text or self.has_class("-searching"):
            self.query_one("#search", Input).value = ""
            self.query_text = ""
            self.search = Search.parse("")
            self.only_matches = True
            self.remove_class("-searching")
            self._redraw()
            self.log_view.focus()
        else:
            self.app.pop_screen()

    # -- toggles and saving ------------------------------------------------------------------

    def action_toggle_follow(self) -> None:
        self._set_follow(not self.follow)
        self._title()

    def _set_follow(self, follow: bool) -> None:
        self.follow = follow
        log = self.log_view
        log.auto_scroll = follow
        if follow:  # resume at the newest line, wherever the user had scrolled to
            log.set_cursor(None)
            log.scroll_end(animate=False, immediate=True, x_axis=False)

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self._redraw()

    def action_toggle_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self._restart()

    def action_save(self) -> None:
        self._flush()
        lines = [line for line in self.lines if self._shows(line)]
        folder = self.save_dir or Path.cwd()
        self._save(folder / saved_log_name(self.container.name, datetime.now(UTC)), lines)

    @work(group="logs-save", exit_on_error=False)
    async def _save(self, path: Path, lines: list[str]) -> None:
        try:
            saved = await asyncio.to_thread(save_lines, path, lines)
        except OSError as exc:
            self.notify(f"Could not save the log: {exc}", severity="error", markup=False,
                        timeout=15)
            return
        self.notify(f"Saved {len(lines)} lines to {saved}", title="Log saved", markup=False,
                    timeout=15)

