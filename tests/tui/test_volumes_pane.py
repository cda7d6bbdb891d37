"""The Volumes pane and the cleanup flow on the demo cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import TabbedContent

from fintui.tui.screens.cleanup import CleanupScreen
from fintui.tui.screens.volume import VolumeScreen
from fintui.tui.widgets.row_table import RowTable
from tests.tui.helpers import (
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    wait_for,
)

ANON = "3f1c9a7e" * 8


async def on_volumes(pilot: Pilot[int]) -> None:
    await until_loaded(pilot)
    await pilot.press("3")
    await wait_for(pilot, "sizes as of")
    await pilot.pause(0.1)


def test_volumes_pane_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=on_volumes)


def test_volumes_pane_160x48(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=on_volumes)


def test_cleanup_plan_screen(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_volumes(pilot)
        await pilot.press("c")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(130, 40), run_before=run)


async def test_sections_show_what_uses_the_disk() -> None:
    app = make_app()
    async with app.run_test(size=(180, 50)) as pilot:
        await on_volumes(pilot)
        text = screen_text(app)
        assert "tick-archive-2025" in text and "96GiB" in text
        assert "pricing.1.k3j9x2a1:/data (rw)" in text
        assert "images 11 (8 active)" in text and "volumes 10" in text
        images = app.query_one("#table-images", RowTable)
        assert images.row_count == 11
        stopped = app.query_one("#table-stopped", RowTable)
        assert stopped.row_count == 1  # nightly-report
        await pilot.press("slash", *"backtest", "enter")
        volumes = app.query_one("#table-volumes", RowTable)
        assert volumes.row_count == 1
        await pilot.press("escape")
        assert volumes.row_count == 10
        first = volumes.row_keys()[0]
        assert first == "tick-archive-2025"  # largest first
        await pilot.press("o")
        names = volumes.row_keys()
        assert names[0] == ANON and names[-1] == "var-batch-data"  # by name now


async def test_square_brackets_step_through_the_sections_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await on_volumes(pilot)
        sections = app.query_one("#storage-sections", TabbedContent)
        seen = [sections.active]
        for _ in range(5):
            await pilot.press("right_square_bracket")
            await pilot.pause()
            seen.append(sections.active)
        assert seen == ["section-volumes", "section-images", "section-stopped",
                        "section-build-cache", "section-binds", "section-volumes"]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert sections.active == "section-binds"
        assert app.focused is app.query_one("#table-binds", RowTable)  # keys go to it
        assert "] Next list" in screen_text(app).splitlines()[-1]


async def test_volume_details_list_who_mounted_it() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await on_volumes(pilot)
        volumes = app.query_one("#table-volumes", RowTable)
        keys = volumes.row_keys()
        volumes.move_cursor(row=keys.index("ledger-data"))
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, VolumeScreen)
        text = screen_text(app)
        assert "mounted now by: ledger-db:/data (rw, running)" in text
        assert "ledger-db (rw) from" in text  # the history fintui recorded


async def test_untick_then_confirm_removes_only_the_ticked() -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await on_volumes(pilot)
        await pilot.press("c")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, CleanupScreen)
        assert "3 of 3 ticked, 3.47GiB to free" in screen_text(app)
        await pilot.press("space")  # untick the first: the anonymous volume
        assert "2 of 3 ticked" in screen_text(app)
        await pilot.press("y")
        await pilot.pause(0.2)
        progress = await until_action_finished(pilot)
        assert progress.outcome == "done"
        # The progress title and the records say what runs, not what was first offered.
        assert "remove 2 stale object(s)" in screen_text(app)
        assert "1 left out by the operator" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, "sizes as of")
        cluster = app.parts.source
        assert ANON not in cluster.removed  # unticked: kept
        assert len(cluster.removed) == 2
        started, done = app.ops.audit.records()[-2:]
        assert started["outcome"] == "started" and done["outcome"] == "ok"
        for record in (started, done):
            removes = [s for s in record["plan"] if s.startswith("remove ")]
            assert len(removes) == 2 and not any(ANON in s for s in removes)
            assert f"leave volume {ANON} (unticked by the operator)" in record["plan"]
            assert record["parameters"]["left_out"] == [
                {"kind": "volume", "name": ANON, "id": ANON}]
        assert done["action"] == "clean" and len(done["result"]["removed"]) == 2
        shown = list(app.ops.audit.show())  # `fintui audit show`, readable
        assert shown[-3].endswith("clean *  ok")
        assert shown[-2] == f"    left out by the operator: volume {ANON}"
        assert shown[-1].startswith("    removed: ") and shown[-1].count(", ") == 1


async def test_viewer_and_freeze_are_refused_clean(tmp_path: Path) -> None:
    app = make_app("--read-only")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await on_volumes(pilot)
        assert not app.screen.active_bindings["c"].enabled
        await pilot.press("c")
        await wait_for(pilot, "role 'viewer' may not clean")
        assert not isinstance(app.screen, CleanupScreen)
        assert [r["outcome"] for r in app.ops.audit.records()] == ["refused"]
    config = tmp_path / "freeze.toml"
    config.write_text('[ui]\nrefresh_interval = 3600.0\n\n[[guard.freeze]]\nname = "close"\n'
                      'days = ["mon"]\nstart = "09:00"\nend = "10:00"\n'
                      'timezone = "Asia/Shanghai"\nactions = ["clean"]\n')
    frozen = make_app(config=config)
    async with frozen.run_test(size=(160, 40), notifications=True) as pilot:
        await on_volumes(pilot)
        await pilot.press("c")
        await wait_for(pilot, "change freeze 'close'")
        assert [r["outcome"] for r in frozen.ops.audit.records()] == ["refused"]
