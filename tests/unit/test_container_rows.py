"""What the Containers pane and `status` print, from plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fintui.core.container_rows import (
    COLUMNS,
    cells,
    column_widths,
    fit_columns,
    group_counts,
    header_title,
    matches,
    next_sort,
    ordered,
    sort_arrow,
    spark_width,
    tone,
    widest_cells,
)
from fintui.core.format import human_bytes, human_duration, sparkline
from fintui.model import Container, ContainerStats, Health

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def box(name: str, cpu: float | None = 1.0, state: str = "running", service: str = "",
        project: str = "", health: Health = Health.NONE) -> Container:
    stats = None if cpu is None else ContainerStats(cpu, 512 * 1024, 2**30, 1, 2, 3, 4)
    return Container(id=name * 3, name=name, image=f"img/{name}:1", state=state, status="",
                     health=health, started_at=NOW - timedelta(hours=2, minutes=5),
                     service=service, project=project, stats=stats)


def test_cells_show_units_like_docker_stats() -> None:
    row = cells(box("pricer", cpu=49.6), NOW, [10.0, 49.6], 4)
    assert row["cpu"] == "49.6%"
    assert row["mem"] == "512KiB / 1GiB"
    assert row["uptime"] == "2h 05m"
    assert row["state"] == "● running"
    assert row["cpu_spark"].strip() != ""


def test_stopped_container_has_dashes_not_zeros() -> None:
    row = cells(box("report", cpu=None, state="exited"), NOW, [], 4)
    assert row["cpu"] == row["mem"] == row["net"] == row["uptime"] == "-"
    assert row["state"] == "○ exited"


def test_sort_by_cpu_biggest_first_unknown_last_and_stable_ties() -> None:
    rows = [box("a", 5), box("b", None, "exited"), box("c", 90), box("d", 5)]
    assert [c.name for c in ordered(rows, NOW, "cpu", False, False)] == ["c", "a", "d", "b"]
    assert [c.name for c in ordered(rows, NOW, "name", True, False)] == ["d", "c", "b", "a"]


def test_grouping_keeps_services_together_and_standalone_last() -> None:
    rows = [box("solo"), box("p2", service="pricing"), box("r1", service="var", project="risk"),
            box("p1", service="pricing")]
    names = [c.name for c in ordered(rows, NOW, "name", False, True)]
    assert names == ["p1", "p2", "r1", "solo"]


def test_same_named_services_on_two_endpoints_are_two_groups() -> None:
    rows = [replace(box(n, service="var", project="risk", state=st), endpoint=ep)
            for n, ep, st in (("a1", "desk-a", "running"), ("b1", "desk-b", "running"),
                              ("a2", "desk-a", "exited"), ("b2", "desk-b", "running"))]
    names = [c.name for c in ordered(rows, NOW, "name", False, True)]
    assert names == ["a1", "a2", "b1", "b2"]
    assert group_counts(rows) == {"risk/var @desk-a": (1, 2), "risk/var @desk-b": (2, 2)}
    single = [box("p1", service="pricing"), box("p2", service="pricing", state="exited")]
    assert group_counts(single) == {"pricing": (1, 2)}  # one unnamed endpoint: no suffix


def test_filter_needs_every_word() -> None:
    c = box("pricing.1", service="pricing", health=Health.UNHEALTHY)
    assert matches(c, "pricing unhealthy") and matches(c, "IMG/PRICING")
    assert not matches(c, "pricing healthy-ish")


def test_narrow_terminals_drop_whole_columns_by_priority() -> None:
    narrow = fit_columns(78, 1)
    assert narrow[:2] == ("name", "state") and "cpu" in narrow and "blk" not in narrow
    wide = fit_columns(400, 1)
    assert wide == tuple(col.key for col in COLUMNS if col.key != "endpoint")
    assert fit_columns(5, 1) == ("name",)


def test_room_left_over_widens_the_cpu_trend_up_to_the_samples_kept() -> None:
    everything = fit_columns(198, 1)
    # 200 columns: all of them (the endpoint column exists only with several endpoints)
    assert everything == tuple(col.key for col in COLUMNS if col.key != "endpoint")
    assert spark_width(198, 1, everything, 15) == 15  # 6 cells spare, capped at 15 samples
    assert spark_width(198, 1, everything, 64) == 16
    assert spark_width(400, 1, everything, 64) == 64
    some = fit_columns(158, 1)
    assert "net" not in some and spark_width(158, 1, some, 64) == 10  # no cell left


def test_human_units() -> None:
    assert human_bytes(0) == "0B"
    assert human_bytes(548 * 1024) == "548KiB"
    assert human_bytes(int(23.54 * 2**30)) == "23.5GiB"
    assert human_duration(59) == "59s" and human_duration(3 * 86400 + 7200) == "3d 2h"
    assert human_duration(None) == "-"


def test_sparkline_scales_and_shows_gaps() -> None:
    assert sparkline([0.0, 50.0, 100.0], 3, top=100.0) == "▁▄█"
    assert sparkline([None, 25.0], 3, top=100.0) == "  ▂"
    assert sparkline([1.0], 1, top=100.0) == "▁"  # quiet is low, not a full bar


def test_endpoint_column_only_with_several_endpoints_and_marks_a_down_one() -> None:
    assert "endpoint" not in fit_columns(400, 1)
    several = fit_columns(400, 1, frozenset())
    assert several[:2] == ("name", "endpoint")
    assert fit_columns(78, 1, frozenset())[:3] == ("name", "endpoint", "state")
    c = replace(box("risk", cpu=3.0), endpoint="desk-b")
    assert cells(c, NOW, [], 4)["endpoint"] == "desk-b"
    assert cells(c, NOW, [], 4, endpoint_down=True)["endpoint"] == "✕ desk-b"


def test_at_word_filters_by_whole_endpoint_name() -> None:
    a = replace(box("risk", cpu=1.0), endpoint="desk-a")
    b = replace(box("risk", cpu=1.0), endpoint="desk-ab")
    assert matches(a, "@desk-a") and not matches(b, "@desk-a")
    assert matches(a, "risk @DESK-A") and not matches(a, "pricer @desk-a")
    assert matches(b, "desk-a")  # a plain word still matches inside names


def test_restarts_mark_the_state_cell_at_every_width() -> None:
    looping = replace(box("recon-worker"), restart_count=17, started_at=NOW - timedelta(seconds=4))
    assert cells(looping, NOW, [], 4)["state"] == "● running ↻17"
    assert cells(box("calm"), NOW, [], 4)["state"] == "● running"  # no restarts: no mark
    assert cells(replace(looping, state="restarting"), NOW, [], 4)["state"] == "↻17 restarting"
    assert cells(replace(looping, state="exited"), NOW, [], 4)["state"] == "○ exited ↻17"
    assert cells(looping, NOW, [], 4, isolated=True)["state"] == "⊘ ISOLATED ↻17"
    assert cells(replace(looping, restart_count=250), NOW, [], 4)["state"] == "● running ↻99+"
    state = next(col for col in COLUMNS if col.key == "state")
    assert all(len(cells(replace(looping, state=st), NOW, [], 4)["state"]) <= state.width
               for st in ("running", "restarting", "exited", "paused", "dead"))
    assert "state" in fit_columns(78, 1)  # 80 columns keep it


def test_a_crash_loop_reads_bad_a_recent_restart_warn_an_old_one_ok() -> None:
    looping = replace(box("recon-worker"), restart_count=17, started_at=NOW - timedelta(seconds=4))
    assert tone("state", looping, now=NOW) == "bad"
    assert tone("state", replace(looping, restart_count=2), now=NOW) == "warn"
    assert tone("state", replace(box("old"), restart_count=17), now=NOW) == "ok"  # up 2h05m
    assert tone("state", looping) == "ok"  # no clock: the state alone


def test_state_sort_puts_the_most_restarted_first_within_a_state() -> None:
    rows = [box("a"), replace(box("b"), restart_count=3), replace(box("c"), restart_count=17)]
    assert [c.name for c in ordered(rows, NOW, "state", False, False)] == ["c", "b", "a"]


def test_the_sort_column_title_carries_its_direction() -> None:
    assert header_title("mem", "mem", False) == "Mem / Limit↓"  # biggest first
    assert header_title("mem", "mem", True) == "Mem / Limit↑"
    assert header_title("name", "name", False) == "Name↑"  # A to Z
    assert header_title("cpu", "mem", False) == "CPU%"
    assert sort_arrow("cpu", False) == "↓" and sort_arrow("name", True) == "↓"
    assert all(len(header_title(col.key, col.key, r)) <= col.width
               for col in COLUMNS for r in (False, True))


def test_sort_cycles_only_through_the_columns_given() -> None:
    shown = ("name", "state", "health", "cpu", "mem")
    assert next_sort("name", shown) == "state"
    assert next_sort("mem", shown) == "name"  # wraps
    assert next_sort("service", shown) == "state"  # hidden now: the next one shown after it
    assert next_sort("blk", shown) == "name"


def test_spare_room_goes_to_cut_text_first_then_to_the_trend() -> None:
    visible = ("name", "image", "state", "cpu", "cpu_spark")
    needed = sum(col.width + 2 for col in COLUMNS if col.key in visible)
    widest = {"name": 18, "image": 31, "service": 0}
    widths = column_widths(needed + 20, 1, visible, 64, widest)
    assert widths["image"] == 31  # whole: 8 more cells than its own 23
    assert widths["name"] == 20  # already wide enough
    assert widths["cpu_spark"] == 10 + 12  # the rest
    assert column_widths(needed, 1, visible, 64, widest)["image"] == 23  # no room: cut
    assert column_widths(needed + 200, 1, visible, 64, {"image": 300})["image"] == 48  # capped


def test_widest_cells_measure_name_service_and_image() -> None:
    rows = [box("a", service="pricing"), box("longer-name", project="p", service="s")]
    assert widest_cells(rows) == {"name": 11, "service": 7, "image": 17}  # img/longer-name:1
