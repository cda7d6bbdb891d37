"""The Alerts pane: firing and pending alerts (worst and oldest first) with acks and silences,
and the history of resolved ones. A fault signature offers isolation as its remedy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from fintui.core.alert_rows import (
    ACTIVE_HEADERS,
    HISTORY_HEADERS,
    active_table,
    alert_key,
    history_rows,
)
from fintui.core.alerts import Alert, firing_counts
from fintui.core.text_safety import one_line
from fintui.core.webhook_outbox import DeliveryLine
from fintui.tui.key_order import hold_keys_for
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe


def delivery_text(lines: Sequence[DeliveryLine], warn_style: str) -> Text:
    """One line per receiver, wrapped to be read whole; error text from a receiver is shown
    as characters (never markup), a line in trouble in the warning colour."""
    text = Text(end="")
    for i, line in enumerate(lines):
        text.append(("\n" if i else "") + one_line(f"webhook {line.receiver}: {line.text}"),
                    style=warn_style if line.trouble else "")
    return text


class AlertsPane(Vertical):
    BINDINGS = [
        Binding("a", "ack", "Ack", id="alerts.ack"),
        Binding("S", "silence", "Silence", id="alerts.silence"),
        Binding("i", "isolate", "Isolate (faults)", id="alerts.isolate"),
    ]
    DEFAULT_CSS = """
    AlertsPane { height: 1fr; }
    AlertsPane #alert-summary { height: 1; padding: 0 1; }
    AlertsPane #alert-delivery { height: auto; max-height: 4; padding: 0 1; display: none; }
    AlertsPane #alert-history-title { height: 1; padding: 0 1; color: $text-muted; }
    AlertsPane #alerts-active { height: 2fr; }
    AlertsPane #alerts-history { height: 1fr; }
    """

    class Ack(Message):
        def __init__(self, alert: Alert) -> None:
            super().__init__()
            self.alert = alert

    class Silence(Message):
        def __init__(self, alert: Alert) -> None:
            super().__init__()
            self.alert = alert

    class Isolate(Message):
        def __init__(self, alert: Alert) -> None:
            super().__init__()
            self.alert = alert

    def __init__(self, isolate_key: str = "i", id: str | None = None) -> None:
        super().__init__(id=id)
        self.alerts: list[Alert] = []
        self.isolate_key = isolate_key  # as [keys] set it: the hint must name the real key
        self._delivery: tuple[DeliveryLine, ...] = ()  # the delivery lines shown
        self._shown: tuple[list[Alert], Sequence[DeliveryLine], list[Alert], datetime,
                           str, frozenset[str]] | None = None

    def on_resize(self) -> None:
        if self._shown is not None and self.size.width:
            self.show(*self._shown)  # the columns that fit depend on the width

    def compose(self) -> ComposeResult:
        yield Static(id="alert-summary")
        # Its own line, wrapped: a delivery error (why the page did not go out) must be read
        # whole at 80 columns, not cut off at the end of the summary.
        yield Static(id="alert-delivery")
        yield RowTable(id="alerts-active")
        yield Static(safe("Resolved (most recent first)"), id="alert-history-title")
        yield RowTable(id="alerts-history", zebra=False, cursor=False)

    def show(self, alerts: list[Alert], delivery: Sequence[DeliveryLine],
             history: list[Alert], now: datetime, endpoint: str = "",
             isolated: frozenset[str] = frozenset()) -> None:
        self._shown = (alerts, delivery, history, now, endpoint, isolated)
        palette = Palette.of(self.app.current_theme)
        self.alerts = alerts
        counts = firing_counts(alerts)
        pending = sum(a.state == "pending" for a in alerts)
        silenced = sum(bool(a.silenced_by) for a in alerts)
        summary = (", ".join(f"{n} {sev}" for sev, n in sorted(counts.items()))
                   or "nothing firing")
        failing = any(line.trouble for line in delivery)
        self.query_one("#alert-summary", Static).update(safe(
            f"firing: {summary} · {pending} pending · {silenced} silenced"
            + (" · webhook failing" if failing else "")
            + (f" · endpoint {endpoint} only" if endpoint else "")), layout=False)
        lines = tuple(delivery)
        if lines != self._delivery:  # layout only when a line comes, goes or changes
            self._delivery = lines
            widget = self.query_one("#alert-delivery", Static)
            widget.update(delivery_text(lines, palette.warn))
            widget.display = bool(lines)
        table = self.query_one("#alerts-active", RowTable)
        rows, widths = active_table(alerts, now, self.isolate_key,
                                    max(self.size.width - 2, 20), table.cell_padding, isolated)
        feed(table, fitted_columns(ACTIVE_HEADERS, rows, widths), rows, palette)
        past = history_rows(history)
        feed(self.query_one("#alerts-history", RowTable),
             fitted_columns(HISTORY_HEADERS, past), past, palette)

    def focus_table(self) -> None:
        self.query_one("#alerts-active", RowTable).focus()

    def selected(self) -> Alert | None:
        key = self.query_one("#alerts-active", RowTable).selected_key()
        return next((a for a in self.alerts if alert_key(a) == key), None)

    def action_ack(self) -> None:
        alert = self.selected()
        if alert is not None:
            self.post_message(self.Ack(alert))

    def action_silence(self) -> None:
        alert = self.selected()
        if alert is not None:
            hold_keys_for(self)
            self.post_message(self.Silence(alert))

    def action_isolate(self) -> None:
        alert = self.selected()
        if alert is not None and alert.faulty:
            hold_keys_for(self)
            self.post_message(self.Isolate(alert))
        elif alert is not None:
            self.notify("isolation is offered for fault signatures only", markup=False)
