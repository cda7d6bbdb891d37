"""Every pane's rows are built in core, as plain data: a stable key per row, a cell per column
and a tone (colour class) that always says the same as the words beside it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fintui.core.alert_rows import (
    ACTIVE_HEADERS,
    active_rows,
    active_widths,
    alert_key,
    history_rows,
)
from fintui.core.alerts import Alert
from fintui.core.container_rows import tone
from fintui.core.forecast_rows import forecast_table
from fintui.core.gpu_view import process_table
from fintui.core.swarm_nodes import node_table, service_table
from fintui.model import Forecast, Gpu, GpuProcess, Node, Service
from tests.unit.test_container_rows import box

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def alert(rule: str, target: str, severity: str, **kw: object) -> Alert:
    return Alert(rule, target, severity, "firing", 2.0, NOW - timedelta(minutes=5), **kw)


def test_an_alert_row_carries_its_severity_in_words_and_tone() -> None:
    rows = active_rows([alert("down", "db", "critical", faulty=True, acked_by="ann"),
                        alert("slow", "api", "warning"), alert("note", "x", "info")],
                       NOW, "^y")
    assert [r.key for r in rows] == ["down\0db", "slow\0api", "note\0x"]
    assert [(r.cells["Severity"].text, r.cells["Severity"].tone) for r in rows] == [
        ("CRITICAL", "bad"), ("WARNING", "warn"), ("INFO", "")]
    assert rows[0].text("Marks") == "acked by ann, fault: ^y to isolate"
    assert rows[1].text("Marks") == "-" and rows[0].text("For") == "5m"
    assert set(rows[0].cells) == {h.key for h in ACTIVE_HEADERS}


def test_alert_columns_drop_by_priority_and_the_runbook_stretches() -> None:
    rows = active_rows([alert("down", "db", "critical", runbook="https://wiki/x" * 5)],
                       NOW, "i")
    narrow = active_widths(rows, 40, 1)
    assert next(iter(narrow)) == "Severity" and "Runbook" not in narrow
    wide = active_widths(rows, 200, 1)
    assert list(wide) == [h.key for h in ACTIVE_HEADERS]
    assert sum(w + 2 for w in wide.values()) <= 200


def test_history_keeps_the_newest_fifty_with_stable_keys() -> None:
    past = [replace(alert("r", f"t{i}", "warning"), state="resolved",
                    resolved=NOW - timedelta(minutes=i)) for i in range(60)]
    rows = history_rows(past)
    assert len(rows) == 50 and rows[0].key.startswith(alert_key(past[0]))
    assert rows[0].text("Lasted") == "5m" and rows[0].text("Resolved") == "12:00:00"


def forecast(severity: str) -> Forecast:
    return Forecast("fs /data", "filesystem", 50e9, 100e9, "ok", "fills", "linear", 1e9, 50.0,
                    40.0, 60.0, ((30, 80e9),), severity, False, None, ())


def test_a_forecast_row_colours_the_answer_and_the_state_alike() -> None:
    rows = forecast_table([("filesystem:/data", forecast("critical")),
                           ("volume:x", forecast(""))])
    assert [r.key for r in rows] == ["filesystem:/data", "volume:x"]
    assert rows[0].cells["State"].text == "CRITICAL" and rows[0].cells["State"].tone == "bad"
    assert rows[0].cells["Full in (95% band)"].tone == "bad"
    assert rows[1].cells["State"].tone == "" and rows[1].text("Growth/day").startswith("+")


@pytest.mark.parametrize(("state", "isolated", "expected"), [
    ("running", False, "ok"), ("restarting", False, "bad"), ("paused", False, "warn"),
    ("exited", False, "muted"), ("running", True, "marked")])
def test_a_container_state_tone(state: str, isolated: bool, expected: str) -> None:
    assert tone("state", box("api", state=state), isolated) == expected


def test_a_down_endpoints_cell_is_bad() -> None:
    c = box("api")
    assert tone("endpoint", c, endpoint_down=True) == "bad"
    assert tone("endpoint", c) == "muted" and tone("name", c) == ""


def test_gpu_process_node_and_service_rows_have_stable_keys() -> None:
    gpu = Gpu(index=0, uuid="GPU-1", name="H100", processes=(
        GpuProcess(pid=42, used_bytes=2**30, command="python", kind="compute",
                   container_id="abc", container_name="infer"),))
    assert [(r.key, r.text("Container")) for r in process_table([gpu])] == [("0:42", "infer")]
    node = Node(id="n1", hostname="trade-01", role="manager", availability="active",
                state="ready", engine_version="27", cpus=8, memory_bytes=2**34,
                address="10.0.0.1", leader=True, tasks=3, endpoint="desk")
    assert [(r.key, r.text("Node")) for r in node_table([node])] == [
        ("desk/n1", "trade-01 @desk")]
    services = [Service("s1", "pricing", "replicated", 3, 3), Service("c", "web", "compose",
                                                                      1, 1)]
    assert [r.key for r in service_table(services)] == ["/s1"]


def test_row_builders_load_no_textual() -> None:
    code = ("import sys, fintui.core.table_rows, fintui.core.alert_rows, "
            "fintui.core.forecast_rows, fintui.core.gpu_view, fintui.core.swarm_nodes, "
            "fintui.core.storage_rows, fintui.core.container_rows; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
