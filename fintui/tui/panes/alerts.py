"""The Alerts pane: firing and pending alerts (worst and oldest first) with acks and silences,
and the history of resolved ones. A fault signature offers isolation as its remedy."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from fintui.core.alerts import Alert, firing_counts
from fintui.core.format import human_duration
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe

ACTIVE_COLUMNS = ("Severity", "State", "Rule", "Target", "Value", "For", "Marks", "Runbook")
HISTORY_COLUMNS = ("Resolved", "Rule", "Target", "Severity", "Lasted")


class AlertsPane(Vertical):
    BINDINGS = [
        Binding("a", "ack", "Ack", id="alerts.ack"),
        Binding("S", "silence", "Silence", id="alerts.silence"),
        Binding("i", "isolate", "Isolate (faults)", id="alerts.isolate"),
    ]
    DEFAULT_CSS = """
    AlertsPane { height: 1fr; }
    AlertsPane #alert-summary { height: 1; padding: 0 1; }
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

    def compose(self) -> ComposeResult:
        yield Static(id="alert-summary")
        active: DataTable[Text] = NavTable(id="alerts-active", cursor_type="row",
                                            zebra_stripes=True)
        active.add_columns(*ACTIVE_COLUMNS)
        yield active
        yield Static(safe("Resolved (most recent first)"), id="alert-history-title")
        history: DataTable[Text] = NavTable(id="alerts-history", cursor_type="none")
        history.add_columns(*HISTORY_COLUMNS)
        yield history

    def show(self, alerts: list[Alert], delivery_errors: dict[str, str],
             history: list[Alert], now: datetime, error_style: str, warn_style: str) -> None:
        self.alerts = alerts
        counts = firing_counts(alerts)
        pending = sum(a.state == "pending" for a in alerts)
        silenced = sum(bool(a.silenced_by) for a in alerts)
        summary = (", ".join(f"{n} {sev}" for sev, n in sorted(counts.items()))
                   or "nothing firing")
        failing = "; ".join(f"{name}: {why}" for name, why in sorted(delivery_errors.items()))
        self.query_one("#alert-summary", Static).update(safe(
            f"firing: {summary} · {pending} pending · {silenced} silenced"
            + (f" · webhook {failing}" if failing else "")))
        table = self.query_one("#alerts-active", DataTable)
        selected = self.selected()
        table.clear()
        for alert in alerts:
            style = error_style if alert.severity == "critical" else (
                warn_style if alert.severity == "warning" else "")
            marks = ", ".join(m for m in (
                f"acked by {alert.acked_by}" if alert.acked_by else "",
                f"silenced: {alert.silenced_by}" if alert.silenced_by else "",
                f"fault: {self.isolate_key} to isolate" if alert.faulty else "") if m) or "-"
            table.add_row(safe(alert.severity.upper(), style), safe(alert.state),
                          safe(alert.rule), safe(alert.target, limit=30),
                          safe(f"{alert.value:g}"),
                          safe(human_duration((now - alert.started).total_seconds())),
                          safe(marks, limit=40), safe(alert.runbook, limit=50),
                          key="\0".join(alert.key))
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
