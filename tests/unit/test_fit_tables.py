"""Every table at 80 columns keeps the columns a user needs most: none is dropped while a
less important one stays, numbers are never cut, and nothing needs a sideways scrollbar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.cells import cell_len

from fintui.core.alert_rows import ACTIVE_COLUMNS, active_table
from fintui.core.alerts import Alert
from fintui.core.container_rows import COLUMNS, cells, fit_columns
from fintui.core.fit import Want, fit
from fintui.core.table_rows import Header, headers, stretch
from fintui.model import Container, ContainerStats, Health

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ROOM = 78  # an 80-column terminal less the table's scrollbar


def test_no_alert_column_is_dropped_while_a_less_important_one_stays() -> None:
    """The State column was dropped while the narrower For stayed (fit skipped past it)."""
    alerts = [Alert("unhealthy", "fix-gateway-primary-venue", "warning", "pending", 1.0,
                    NOW - timedelta(seconds=30), metric="container.unhealthy",
                    runbook="x" * 80, faulty=True),
              Alert("capacity-critical", "fs /mnt/tickstore", "critical", "firing", 6.4,
                    NOW - timedelta(hours=3), metric="forecast.days_to_full",
                    acked_by="ops", silenced_by="maintenance until 14:00")]
    _rows, widths = active_table(alerts, NOW, "i", ROOM, 1)
    priority = {name: p for name, p, *_ in ACTIVE_COLUMNS}
    dropped = [n for n in priority if n not in widths]
    assert all(priority[d] > priority[k] for d in dropped for k in widths), widths
    assert "For" not in widths or "State" in widths
    assert sum(widths.values()) + 2 * len(widths) <= ROOM


def test_containers_at_every_width_from_80_keep_their_numbers_whole() -> None:
    """Each shown column is as wide as the widest value its kind of number can take."""
    big = Container("c" * 64, "x" * 40, "registry.example.com/very/long/image:1.2.3", "running",
                    "", Health.UNHEALTHY, started_at=NOW - timedelta(days=9, hours=23, minutes=59),
                    restart_count=999,
                    stats=ContainerStats(3199.94, 1023 * 2**20, 1023 * 2**30, 0, 0, 0, 0,
                                         net_rx_rate=999 * 1024.0, net_tx_rate=9.9 * 2**20,
                                         blk_read_rate=999.0, blk_write_rate=1023 * 2**30))
    texts = cells(big, NOW, [50.0], 10, gpu_bytes=1023 * 2**30)
    widths = {c.key: c.width for c in COLUMNS}
    for key in ("uptime", "restarts", "cpu", "mem", "net", "blk", "gpu_mem", "health"):
        assert cell_len(texts[key]) <= widths[key], (key, texts[key])
    for room in range(ROOM, 400, 7):
        shown = fit_columns(room, 1)
        assert sum(widths[k] + 2 for k in shown) <= room
        ranked = [c.key for c in sorted(COLUMNS, key=lambda c: c.priority)
                  if c.key != "endpoint"]
        assert list(ranked[:len(shown)]) == sorted(shown, key=ranked.index), room


def test_headers_carry_their_priority_and_least_width() -> None:
    cols = headers("Name", Header("Size", "Size", 1), stretch("Used by", 12, 4))
    assert [(h.key, h.priority, h.least) for h in cols] == [
        ("Name", None, 0), ("Size", 1, 0), ("Used by", 4, 12)]


def test_a_volume_table_at_80_columns_cuts_its_users_before_dropping_a_number() -> None:
    wants = [Want("Name", 26, 0), Want("Driver", 6, 5), Want("Size", 7, 1),
             Want("Created", 8, 2), Want("Protected", 9, 3), Want("Labels", 19, 6, 12),
             Want("Used by", 64, 4, 12)]
    widths = fit(wants, ROOM, 1)
    assert list(widths) == ["Name", "Size", "Created", "Protected", "Used by"]
    assert widths["Used by"] == ROOM - (26 + 7 + 8 + 9) - 10
    assert list(fit(wants, 158, 1)) == [w.key for w in wants]  # all at 160 columns
