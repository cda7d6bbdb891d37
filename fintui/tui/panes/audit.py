"""The Audit pane: who did what, newest first (scale, isolate, release, drain, clean, ack,
silence...), by people and through the agent, with each act's outcome. It reads the newest
records of the audit log in a thread (the console's own operations), or asks the agent for
them while attached; a log it may not read is one line saying why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fintui.clock import Clock
from fintui.core.audit_rows import AUDIT_SHOWN, HEADERS, AuditTail, audit_rows, audit_widths
from fintui.core.text_safety import one_line
from fintui.tui.pane_spec import News
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe_block

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp


class AuditSource(Protocol):
    """Operations (the log here) and RemoteOperations (the agent's) alike."""

    async def audit_tail(self, limit: int) -> AuditTail: ...


def summary(tail: AuditTail) -> str:
    """The line above the table: how many records from where, or why there are none."""
    count = len(tail.entries)
    if not count:
        said = tail.problem or "no acts recorded yet"
    else:
        said = (f"the last {count} records" if count >= AUDIT_SHOWN else f"{count} record(s)")
        said += ", newest first" + (f" · {tail.problem}" if tail.problem else "")
    return f"{said} · {tail.source}" if tail.source else said


class AuditPane(Vertical):
    DEFAULT_CSS = """
    AuditPane { height: 1fr; }
    AuditPane #audit-status { height: auto; max-height: 3; padding: 0 1; }
    AuditPane #audit-table { height: 1fr; }
    """

    def __init__(self, clock: Clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock  # times show in its zone, the date when not today
        self.tail: AuditTail | None = None  # the records shown

    def compose(self) -> ComposeResult:
        yield Static(id="audit-status")
        yield RowTable(id="audit-table")

    def on_resize(self) -> None:
        if self.size.width:
            self.redraw()  # the columns that fit depend on the width

    @work(exclusive=True, group="audit-tail", exit_on_error=False)
    async def reload(self, source: AuditSource) -> None:
        """Read the newest records (off the event loop) and show them."""
        self.show(await source.audit_tail(AUDIT_SHOWN))

    def show(self, tail: AuditTail) -> None:
        self.tail = tail
        self.redraw()

    def redraw(self) -> None:
        """Draw the records read last (a new width or theme needs no new read)."""
        tail = self.tail
        if tail is None or not self.is_mounted:
            return
        # Wrapped, not cut: why the log cannot be read must be read whole at 80 columns.
        self.query_one("#audit-status", Static).update(safe_block(one_line(summary(tail))))
        table = self.query_one("#audit-table", RowTable)
        rows = audit_rows(tail.entries, self.clock.now())
        widths = audit_widths(rows, max(self.size.width - 2, 20), table.cell_padding)
        newest = table.cursor_row == 0  # on the newest record: stay on the newest, as tail -f
        feed(table, fitted_columns(HEADERS, rows, widths), rows,
             Palette.of(self.app.current_theme))
        if newest:
            table.move_cursor(0)

    def focus_table(self) -> None:
        self.query_one("#audit-table", RowTable).focus()


def audit_pane(app: FintuiApp, id: str) -> AuditPane:
    return AuditPane(app.parts.clock, id=id)


def show_audit(app: FintuiApp, news: News) -> None:
    """Shown, or a sweep while shown: read the log again (a few hundred lines from its end,
    or one request to the agent); a theme change only repaints."""
    pane = app.main.query_one(AuditPane)
    if news == "theme":
        pane.redraw()
    else:
        pane.reload(app.ops_for(""))
