"""The Alerts pane's rows: each value in its metric's unit, and marks (ack, silence, a fault's
remedy) that survive 80 columns, dropping the runbook and the value first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fintui.core.alert_rows import active_rows, active_table, marks_text, value_text
from fintui.core.alerts import (
    CAPACITY,
    SIGNATURES,
    Alert,
    AlertEngine,
    RestartWindow,
    observe,
)
from fintui.core.console_glyphs import CONSOLE_SAFE, to_console
from fintui.model import ClusterSnapshot, SourceStatus

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def alert(metric: str, value: float, **kw: object) -> Alert:
    return Alert("r", "t", "critical", "firing", value, NOW - timedelta(minutes=5),
                 metric=metric, **kw)


@pytest.mark.parametrize(("metric", "value", "shown"), [
    ("container.restarts_in_window", 17.0, "17 restarts"),
    ("container.restarts_in_window", 1.0, "1 restart"),
    ("container.mem_percent", 93.4, "93% of limit"),
    ("host.fs_percent", 3.24, "3.2%"),
    ("container.mem_percent", 93.0, "93% of limit"),
    ("container.cpu_percent", 250.0, "250%"),
    ("gpu.power_percent", 101.0, "101% of limit"),
    ("gpu.temperature", 78.0, "78 °C"),
    ("gpu.ecc_errors", 3.0, "3 errors"),
    ("forecast.days_to_full", 3.24, "3.2 days to full"),
    ("forecast.growth_per_day", 2 * 2**30, "2GiB/day"),
    ("container.unhealthy", 1.0, "yes"),
    ("container.oom_killed", 0.0, "no"),  # cleared, still firing until resolve_after
    ("forecast.severity", 2.0, "critical"),  # no days to full known: the level in words
    ("forecast.severity", 1.0, "warning"),
    ("no.such_metric", 2.5, "2.5"),
    ("", float("nan"), "-"),
])
def test_a_value_says_what_it_is(metric: str, value: float, shown: str) -> None:
    assert value_text(alert(metric, value)) == shown


def test_a_capacity_alert_shows_days_to_full_not_its_level() -> None:
    assert value_text(alert("forecast.severity", 2.0, days_to_full=3.24)) == \
        "3.2 days to full"
    assert value_text(alert("forecast.severity", 2.0, days_to_full=float("inf"))) == \
        "critical"


def test_the_engine_carries_the_metric_and_the_forecasts_days_to_full() -> None:
    from fintui.core.forecast import ForecastRules, forecast

    series = [(h * 3600.0, 100.0 + h / 24) for h in range(10 * 24 + 1)]  # +1 a day
    soon = forecast("fs /data", "filesystem", series, 113, ForecastRules())
    engine = AlertEngine(30)
    snap = ClusterSnapshot(NOW, SourceStatus("demo://", True))
    engine.evaluate(observe([*SIGNATURES, *CAPACITY], snap,
                            RestartWindow(timedelta(minutes=5)), [soon]), NOW)
    (fired,) = engine.active.values()
    assert (fired.rule, fired.metric) == ("capacity-critical", "forecast.severity")
    assert fired.days_to_full == soon.days_to_full and soon.days_to_full is not None
    assert value_text(fired) == f"{soon.days_to_full:.1f} days to full"


def triage() -> list[Alert]:
    at = NOW - timedelta(seconds=35)
    return [
        Alert("capacity-critical", "fs /mnt/tickstore", "critical", "firing", 2.0, at,
              runbook="Full within days: clean stale storage (3, then c) or add capacity.",
              metric="forecast.severity", days_to_full=6.4),
        Alert("crash-loop", "recon-worker", "critical", "firing", 23.0, at,
              runbook="Crash loop: isolate it to keep the evidence, then read its logs.",
              faulty=True, silenced_by="recon rerun planned",
              metric="container.restarts_in_window"),
        Alert("unhealthy", "fix-gateway", "warning", "firing", 1.0, at,
              runbook="Healthcheck failing: check its dependencies.", faulty=True,
              acked_by="ops", metric="container.unhealthy"),
        Alert("capacity-warning", "fs /var/lib/docker", "warning", "pending", 1.0, at,
              metric="forecast.severity", days_to_full=32.4),
    ]


def test_at_80_columns_the_marks_stay_and_the_runbook_and_value_go() -> None:
    rows, widths = active_table(triage(), NOW, "i", 78, 1)
    assert "Marks" in widths and "Runbook" not in widths and "Value" not in widths
    assert {"Severity", "Rule", "Target"} <= set(widths)
    assert sum(w + 2 for w in widths.values()) <= 78
    assert [r.text("Marks") for r in rows] == [
        "-", "‖silenced i:isolate", "✓ack ops i:isolate", "-"]


def test_wide_enough_the_marks_are_words_and_every_column_shows() -> None:
    rows, widths = active_table(triage(), NOW, "i", 178, 1)
    assert list(widths) == ["Severity", "State", "Rule", "Target", "Value", "For", "Marks",
                            "Runbook"]
    assert rows[1].text("Marks") == "silenced: recon rerun planned, fault: i to isolate"
    assert rows[0].text("Value") == "6.4 days to full"
    assert rows[1].text("Value") == "23 restarts"


def test_words_that_would_cost_a_column_give_way_to_short_marks() -> None:
    # At 120 the words would push out the value; the short marks keep it.
    rows, widths = active_table(triage(), NOW, "i", 118, 1)
    assert "Value" in widths and rows[1].text("Marks") == "‖silenced i:isolate"


def test_short_marks_are_drawn_by_the_linux_console() -> None:
    marks = marks_text(triage()[1], "i", compact=True) + marks_text(triage()[2], "i", True)
    assert all(c in CONSOLE_SAFE for c in to_console(marks))
    assert "?" not in to_console(marks)


def test_untrusted_names_in_a_row_are_made_visible() -> None:
    hostile = Alert("r\x1b[2J", "evil\x1b]0;pwned\x07\n", "critical", "firing", 1.0, NOW,
                    acked_by="a\x1bb", silenced_by="c\u202ed", faulty=True)
    (row,) = active_rows([hostile], NOW, "i")
    (short,) = active_rows([hostile], NOW, "i", compact=True)
    for cell in [*row.cells.values(), *short.cells.values()]:
        assert cell.text.isprintable(), cell.text
    assert row.text("Target") == "evil\\x1b]0;pwned\\x07\\x0a"
    assert "\\u202e" in row.text("Marks") and "\\x1b" in short.text("Marks")


def test_a_long_target_is_cut_at_80_columns_and_the_marks_stay() -> None:
    long = [replace(a, target=a.target + "-" + "x" * 60) for a in triage()]
    rows, widths = active_table(long, NOW, "i", 78, 1)
    assert {"Severity", "Rule", "Marks", "Target"} <= set(widths)
    assert widths["Target"] < 30  # cut to the room left
    marks = {row.key.split("\0")[0]: row.text("Marks") for row in rows}
    assert marks["crash-loop"] == "‖silenced i:isolate"
    assert marks["unhealthy"] == "✓ack ops i:isolate"


def test_a_fault_already_isolated_is_marked_so_not_offered_again() -> None:
    crash = triage()[1]
    assert marks_text(crash, "i", compact=True, isolated={"recon-worker"}) == "‖silenced ⊘isolated"
    assert marks_text(crash, "i", isolated={"recon-worker"}) == (
        "silenced: recon rerun planned, isolated (kept for forensics)")
    assert marks_text(crash, "i", compact=True) == "‖silenced i:isolate"
