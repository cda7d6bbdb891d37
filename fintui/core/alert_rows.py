"""What the Alerts pane's two tables show: active alerts (worst and oldest first, as the engine
orders them) and the resolved ones. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from fintui.core.alerts import Alert
from fintui.core.fit import Want, fit
from fintui.core.format import human_duration
from fintui.core.table_rows import Cell, Row, Tone, headers, plain_row
from fintui.core.text_safety import one_line

# (title, priority: 0 is kept longest, least width of a column that shrinks to fit, longest
# text shown)
ACTIVE_COLUMNS = (("Severity", 0, 0, 0), ("State", 3, 0, 0), ("Rule", 2, 0, 0),
                  ("Target", 1, 0, 30), ("Value", 6, 0, 0), ("For", 4, 0, 0),
                  ("Marks", 5, 0, 40), ("Runbook", 7, 16, 0))
ACTIVE_HEADERS = headers(*(name for name, *_ in ACTIVE_COLUMNS))
HISTORY_HEADERS = headers("Resolved", "Rule", "Target", "Severity", "Lasted")
HISTORY_SHOWN = 50


def alert_key(alert: Alert) -> str:
    return "\0".join(alert.key)


def active_rows(alerts: Iterable[Alert], now: datetime, isolate_key: str) -> list[Row]:
    """One row an alert; a fault signature's marks name the key that isolates it."""
    rows = []
    for alert in alerts:
        tone: Tone = "bad" if alert.severity == "critical" else (
            "warn" if alert.severity == "warning" else "")
        marks = ", ".join(m for m in (
            f"acked by {alert.acked_by}" if alert.acked_by else "",
            f"silenced: {alert.silenced_by}" if alert.silenced_by else "",
            f"fault: {isolate_key} to isolate" if alert.faulty else "") if m) or "-"
        rows.append(Row(alert_key(alert), {
            "Severity": Cell(alert.severity.upper(), tone), "State": Cell(alert.state),
            "Rule": Cell(alert.rule), "Target": Cell(alert.target),
            "Value": Cell(f"{alert.value:g}"),
            "For": Cell(human_duration((now - alert.started).total_seconds())),
            "Marks": Cell(marks), "Runbook": Cell(alert.runbook)}))
    return rows


def active_widths(rows: Sequence[Row], available: int, padding: int) -> dict[str, int]:
    """Columns that do not fit are dropped by priority; the runbook takes what is left."""
    return fit([Want(name, max([len(name)] + [len(one_line(row.text(name), cap))
                                              for row in rows]), priority, least)
                for name, priority, least, cap in ACTIVE_COLUMNS], available, padding)


def history_rows(history: Iterable[Alert]) -> list[Row]:
    """The most recent resolved alerts, newest first."""
    rows = []
    for i, alert in enumerate(history):
        if i == HISTORY_SHOWN:
            break
        lasted = ((alert.resolved - (alert.fired or alert.started)).total_seconds()
                  if alert.resolved else None)
        when = alert.resolved.isoformat() if alert.resolved else "-"
        rows.append(plain_row(f"{alert_key(alert)}\0{when}", HISTORY_HEADERS, (
            f"{alert.resolved:%H:%M:%S}" if alert.resolved else "-", alert.rule,
            one_line(alert.target, 30), alert.severity, human_duration(lasted))))
    return rows

