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
from textual.widgets import DataTable, Static

from fintui.core.alerts import Alert, firing_counts
from fintui.core.fit import Want, fit
from fintui.core.format import human_duration
from fintui.core.text_safety import one_line
from fintui.core.webhook_outbox import DeliveryLine
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe

# (title, priority: 0 is kept longest, least width of a column that shrinks to fit, longest
# text shown)
ACTIVE_COLUMNS = (("Severity", 0, 0, 0), ("State", 3, 0, 0), ("Rule", 2, 0, 0),
                  ("Target", 1, 0, 30), ("Value", 6, 0, 0), ("For", 4, 0, 0),
                  ("Marks", 5, 0, 40), ("Runbook", 7, 16, 0))
HISTORY_COLUMNS = ("Resolved", "Rule", "Target", "Severity", "Lasted")


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
        self._shown: tuple[list[Alert], Sequence[DeliveryLine], list[Alert], datetime, str,
                           str] | None = None

    def on_resize(self) -> None:
        if self._shown is not None and self.size.width:
            self.show(*self._shown)  # the columns that fit depend on the width

    def compose(self) -> ComposeResult:
        yield Static(id="alert-summary")
        # Its own line, wrapped: a delivery error (why the page did not go out) must be read
        # whole at 80 columns, not cut off at the end of the summary.
        yield Static(id="alert-delivery")
        active: DataTable[Text] = NavTable(id="alerts-active", cursor_type="row",
                                            zebra_stripes=True)
        yield active
        yield Static(safe("Resolved (most recent first)"), id="alert-history-title")
        history: DataTable[Text] = NavTable(id="alerts-history", cursor_type="none")
        history.add_columns(*HISTORY_COLUMNS)
        yield history

    def show(self, alerts: list[Alert], delivery: Sequence[DeliveryLine],
             history: list[Alert], now: datetime, error_style: str, warn_style: str) -> None:
        self._shown = (alerts, delivery, history, now, error_style, warn_style)
        self.alerts = alerts
        counts = firing_counts(alerts)
        pending = sum(a.state == "pending" for a in alerts)
        silenced = sum(bool(a.silenced_by) for a in alerts)
        summary = (", ".join(f"{n} {sev}" for sev, n in sorted(counts.items()))
                   or "nothing firing")
        failing = any(line.trouble for line in delivery)
        self.query_one("#alert-summary", Static).update(safe(
            f"firing: {summary} · {pending} pending · {silenced} silenced"
            + (" · webhook failing" if failing else "")), layout=False)
        lines = tuple(delivery)
        if lines != self._delivery:  # layout only when a line comes, goes or changes
            self._delivery = lines
            widget = self.query_one("#alert-delivery", Static)
            widget.update(delivery_text(lines, warn_style))
            widget.display = bool(lines)
        table = self.query_one("#alerts-active", DataTable)
        selected = self.selected()
        rows = []
        for alert in alerts:
            style = error_style if alert.severity == "critical" else (
                warn_style if alert.severity == "warning" else "")
            marks = ", ".join(m for m in (
                f"acked by {alert.acked_by}" if alert.acked_by else "",
                f"silenced: {alert.silenced_by}" if alert.silenced_by else "",
                f"fault: {self.isolate_key} to isolate" if alert.faulty else "") if m) or "-"
            cells = {"Severity": (alert.severity.upper(), style), "State": (alert.state, ""),
                     "Rule": (alert.rule, ""), "Target": (alert.target, ""),
                     "Value": (f"{alert.value:g}", ""),
                     "For": (human_duration((now - alert.started).total_seconds()), ""),
                     "Marks": (marks, ""), "Runbook": (alert.runbook, "")}
            rows.append(("\0".join(alert.key), cells))
        # Columns that do not fit are dropped by priority; the runbook takes what is left.
        widths = fit([Want(name, max([len(name)] + [len(one_line(c[name][0], cap))
                                                     for _, c in rows]), priority, least)
                      for name, priority, least, cap in ACTIVE_COLUMNS],
                     max(self.size.width - 2, 20), table.cell_padding)
        table.clear(columns=True)
        for name, width in widths.items():
            table.add_column(name, width=width, key=name)
        for key, cells in rows:
            table.add_row(*(safe(cells[name][0], cells[name][1], limit=width)
                            for name, width in widths.items()), key=key)
        if selected is not None:
            keys = [a.key for a in alerts]
            if selected.key in keys:
                table.move_cursor(row=keys.index(selected.key), animate=False)
        past = self.query_one("#alerts-history", DataTable)
        past.clear()
        for alert in history[:50]:
            lasted = ((alert.resolved - (alert.fired or alert.started)).total_seconds()
                      if alert.resolved else None)
            past.add_row(safe(f"{alert.resolved:%H:%M:%S}" if alert.resolved else "-"),
                         safe(alert.rule), safe(alert.target, limit=30), safe(alert.severity),
                         safe(human_duration(lasted)))

    def selected(self) -> Alert | None:
        table = self.query_one("#alerts-active", DataTable)
        if not self.alerts or not 0 <= table.cursor_row < len(self.alerts):
            return None
        return self.alerts[table.cursor_row]

    def action_ack(self) -> None:
        alert = self.selected()
        if alert is not None:
            self.post_message(self.Ack(alert))

    def action_silence(self) -> None:
        alert = self.selected()
        if alert is not None:
            self.post_message(self.Silence(alert))

    def action_isolate(self) -> None:
        alert = self.selected()
        if alert is not None and alert.faulty:
            self.post_message(self.Isolate(alert))
        elif alert is not None:
            self.notify("isolation is offered for fault signatures only", markup=False)
