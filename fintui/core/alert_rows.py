"""What the Alerts pane's two tables show: active alerts (worst and oldest first, as the engine
orders them) and the resolved ones. Pure."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from fintui.core.alerts import Alert
from fintui.core.fit import Want, fit
from fintui.core.format import human_bytes, human_duration
from fintui.core.metrics import unit_of
from fintui.core.table_rows import Cell, Row, Tone, headers, plain_row
from fintui.core.text_safety import one_line

# (title, priority: 0 is kept longest, least width of a column that shrinks to fit, longest
# text shown). What is wrong, then who is on it (the marks), then where: the target shrinks
# (cut, never dropped) to the room the others leave, so at 80 columns a long container name
# cannot push out an ack, a silence or a fault's remedy; the runbook and value go first.
ACTIVE_COLUMNS = (("Severity", 0, 0, 0), ("State", 3, 0, 0), ("Rule", 1, 0, 0),
                  ("Target", 4, 12, 30), ("Value", 6, 0, 0), ("For", 5, 0, 0),
                  ("Marks", 2, 0, 40), ("Runbook", 7, 16, 0))
ACTIVE_HEADERS = headers(*(name for name, *_ in ACTIVE_COLUMNS))
HISTORY_HEADERS = headers("Resolved", "Rule", "Target", "Severity", "Lasted")
HISTORY_SHOWN = 50

# What a percentage is a share of, and what a number of days counts down to, where the
# metric's unit alone does not say.
_SUFFIX = {"container.mem_percent": " of limit", "gpu.power_percent": " of limit",
           "forecast.days_to_full": " to full"}
_LEVEL = {0.0: "ok", 1.0: "warning", 2.0: "critical"}


def alert_key(alert: Alert) -> str:
    return "\0".join(alert.key)


def _number(value: float) -> str:
    """Whole from ten up (93), else to one decimal (3.2)."""
    return f"{value:.0f}" if value.is_integer() or abs(value) >= 10 else f"{value:.1f}"


def _counted(value: float, word: str) -> str:
    return f"{value:.0f} {word}" + ("" if value == 1 else "s")


def value_text(alert: Alert) -> str:
    """The alert's value in its metric's unit: `17 restarts`, `93% of limit`, `78 °C`,
    `3.2 days to full`. A capacity alert's level gives way to its forecast's days to full."""
    value, unit = alert.value, unit_of(alert.metric)
    if not math.isfinite(value):
        return "-" if math.isnan(value) else f"{value}"
    if unit == "level":
        if alert.days_to_full is not None and math.isfinite(alert.days_to_full):
            return f"{alert.days_to_full:.1f} days to full"
        return _LEVEL.get(value, f"level {value:g}")
    suffix = _SUFFIX.get(alert.metric, "")
    if unit == "bool":
        return "yes" if value else "no"
    if unit == "%":
        return f"{_number(value)}%{suffix}"
    if unit == "days":
        return f"{value:.1f} days{suffix}"
    if unit in ("restarts", "errors"):
        return _counted(value, unit[:-1])
    if unit == "bytes/day":
        return f"{human_bytes(value)}/day"
    return f"{_number(value)} {unit}{suffix}" if unit else f"{value:g}"


def marks_text(alert: Alert, isolate_key: str, compact: bool = False,
               isolated: Collection[str] = ()) -> str:
    """Who is on it and what to do: in words, or as the short marks 80 columns keep
    (`✓ack ops`, `‖silenced`, `i:isolate`; symbols the Linux console can draw). A fault
    whose target is isolated already says so instead of offering to isolate it again."""
    acker, key = one_line(alert.acked_by, 16), one_line(isolate_key, 8)
    done = alert.faulty and alert.target in isolated
    if compact:
        marks = (f"✓ack {acker}" if alert.acked_by else "",
                 "‖silenced" if alert.silenced_by else "",
                 "⊘isolated" if done else f"{key}:isolate" if alert.faulty else "")
        return " ".join(m for m in marks if m) or "-"
    return ", ".join(m for m in (
        f"acked by {acker}" if alert.acked_by else "",
        f"silenced: {one_line(alert.silenced_by)}" if alert.silenced_by else "",
        "isolated (kept for forensics)" if done else
        f"fault: {key} to isolate" if alert.faulty else "") if m) or "-"


def active_rows(alerts: Iterable[Alert], now: datetime, isolate_key: str,
                compact: bool = False, isolated: Collection[str] = ()) -> list[Row]:
    """One row an alert; a fault signature's marks name the key that isolates it."""
    rows = []
    for alert in alerts:
        tone: Tone = "bad" if alert.severity == "critical" else (
            "warn" if alert.severity == "warning" else "")
        rows.append(Row(alert_key(alert), {
            "Severity": Cell(one_line(alert.severity.upper()), tone),
            "State": Cell(one_line(alert.state)), "Rule": Cell(one_line(alert.rule)),
            "Target": Cell(one_line(alert.target)), "Value": Cell(value_text(alert)),
            "For": Cell(human_duration((now - alert.started).total_seconds())),
            "Marks": Cell(marks_text(alert, isolate_key, compact, isolated)),
            "Runbook": Cell(one_line(alert.runbook))}))
    return rows


def active_widths(rows: Sequence[Row], available: int, padding: int) -> dict[str, int]:
    """Columns that do not fit are dropped by priority; the runbook takes what is left."""
    widths = {name: max([len(name)] + [len(one_line(row.text(name), cap)) for row in rows])
              for name, _priority, _least, cap in ACTIVE_COLUMNS}
    return fit([Want(name, widths[name], priority, min(least, widths[name]))
                for name, priority, least, _cap in ACTIVE_COLUMNS], available, padding)


def active_table(alerts: Sequence[Alert], now: datetime, isolate_key: str, available: int,
                 padding: int, isolated: Collection[str] = ()
                 ) -> tuple[list[Row], dict[str, int]]:
    """The rows and the columns that fit: the marks in words where that costs no column,
    else as short marks (an ack, a silence and a fault's remedy survive 80 columns)."""
    rows = active_rows(alerts, now, isolate_key, isolated=isolated)
    widths = active_widths(rows, available, padding)
    short = active_rows(alerts, now, isolate_key, compact=True, isolated=isolated)
    short_widths = active_widths(short, available, padding)
    if set(short_widths) - set(widths):
        return short, short_widths
    return rows, widths


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

