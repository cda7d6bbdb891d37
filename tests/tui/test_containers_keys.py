"""Pilot tests: what an operator sees after pressing keys in the Containers pane."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Log, TabbedContent, Tree

from fintui.tui.app import FintuiApp
from fintui.tui.panes.containers import GROUP_PREFIX, ContainersPane
from fintui.tui.screens.details import DetailsScreen
from fintui.tui.screens.help import HelpScreen
from fintui.tui.screens.logs import LogScreen
from tests.tui.helpers import make_app, screen_text, until_loaded, wait_for


def pane(app: FintuiApp) -> ContainersPane:
    return app.query_one(ContainersPane)


def shown_names(app: FintuiApp) -> list[str]:
    p = pane(app)
    return [p.cell_text(key, "name") for key in p.row_keys()]



async def test_number_keys_switch_panes() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_loaded(pilot)
        tabs = app.query_one(TabbedContent)
        assert "1 Containers" in screen_text(app) and "5 Forecasts" in screen_text(app)
        for key, pane_id in (("2", "gpus"), ("3", "volumes"), ("4", "alerts"),
                             ("5", "forecasts"), ("1", "containers")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == pane_id
            if pane_id == "forecasts":
                assert "fs /mnt/tickstore" in screen_text(app)
                assert app.focused is app.query_one("#forecasts-table")
            if pane_id == "volumes":
                await wait_for(pilot, "sizes as of")


async def test_demo_shows_live_containers_with_their_numbers() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        text = screen_text(app)
        assert "● live" in text and "demo://trading-desk" in text
        assert len(pane(app).row_keys()) == 11
        assert "✗ unhealthy" in text  # fix-gateway
        assert "↻ restarting" in text or "recon-worker" in text
        p = pane(app)
        recon = next(k for k in p.row_keys() if p.cell_text(k, "name") == "recon-worker")
        assert int(p.cell_text(recon, "restarts")) >= 17


async def test_filter_narrows_rows_and_escape_brings_them_back() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_loaded(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"pricing", "enter")
        assert sorted(shown_names(app)) == ["pricing.1.k3j9x2a1", "pricing.2.p8d0s7q4",
                                            "pricing.3.x1m2n3b4"]
        assert "filter: pricing" in screen_text(app)
        await pilot.press("escape")
        assert len(shown_names(app)) == 11


async def test_filter_with_no_match_shows_empty_table_not_an_error() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_loaded(pilot)
        await pilot.press("slash", *"[bold", "enter")
        assert shown_names(app) == []
        assert "0 of 11 containers" in screen_text(app)


async def test_sort_keys_cycle_columns_and_reverse() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        names = shown_names(app)
        assert names == sorted(names)
        await pilot.press("O")
        assert shown_names(app) == sorted(names, reverse=True)
        await pilot.press("O")
        while pane(app).sort_key != "cpu":
            await pilot.press("o")
        assert "sort: CPU%" in screen_text(app)
        p = pane(app)
        cpus = [float(p.cell_text(k, "cpu").rstrip("%")) for k in p.row_keys()
                if p.cell_text(k, "cpu") != "-"]
        assert cpus == sorted(cpus, reverse=True) and len(cpus) == 10


def header(app: FintuiApp) -> dict[str, str]:
    """Column key -> the title drawn over it."""
    return {c.key: c.title for c in pane(app).table.columns}


async def test_at_80_columns_a_crash_loop_is_marked_in_the_state_cell() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        p = pane(app)
        assert "restarts" not in header(app)  # no room for the Rst column here
        recon = next(k for k in p.row_keys() if p.cell_text(k, "name") == "recon-worker")
        state = p.cell_text(recon, "state")
        count = int(state.split("↻")[1].split()[0])
        assert count >= 17 and state.split("↻")[0].strip() in ("● running", "")
        assert f"↻{count}" in screen_text(app)
        calm = next(k for k in p.row_keys() if p.cell_text(k, "name") == "ledger-db")
        assert p.cell_text(calm, "state") == "● running"  # no restarts: no mark


async def test_shift_m_and_p_jump_to_the_biggest_user() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        p = pane(app)
        table = p.table
        snap = p.state.snapshot
        assert snap is not None
        by_id = {c.id: c for c in snap.containers}
        await pilot.press("j", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("M")
        assert (p.sort_key, p.reverse, table.cursor_row) == ("mem", False, 0)
        biggest = max((c for c in snap.containers if c.stats), key=lambda c: c.stats.mem_bytes
                      if c.stats else 0)
        assert p.selected_key() == biggest.id
        stats = [s for s in (by_id[k].stats for k in p.row_keys()) if s is not None]
        mems = [s.mem_bytes for s in stats]
        assert mems == sorted(mems, reverse=True)
        assert header(app)["mem"] == "Mem / Limit↓" and header(app)["name"] == "Name"
        assert "Mem / Limit↓" in screen_text(app) and "sort: Mem / Limit ↓" in screen_text(app)
        await pilot.press("j", "M")  # again: still biggest first (as htop), back on top
        assert (p.sort_key, p.reverse, table.cursor_row) == ("mem", False, 0)
        await pilot.press("P")
        assert (p.sort_key, p.reverse, table.cursor_row) == ("cpu", False, 0)
        stats = [s for s in (by_id[k].stats for k in p.row_keys()) if s is not None]
        cpus = [s.cpu_percent or 0.0 for s in stats]
        assert cpus == sorted(cpus, reverse=True)
        assert header(app)["cpu"] == "CPU%↓" and "Mem / Limit↓" not in screen_text(app)
        await pilot.press("O")
        assert header(app)["cpu"] == "CPU%↑" and "CPU%↑" in screen_text(app)


async def test_o_cycles_only_the_columns_on_screen() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        p = pane(app)
        shown = list(header(app))
        assert shown == ["name", "state", "health", "cpu", "mem"]
        assert header(app)["name"] == "Name↑"  # A to Z
        seen = [p.sort_key]
        for _ in shown:
            await pilot.press("o")
            seen.append(p.sort_key)
            assert "sort: Service" not in screen_text(app)
            arrowed = [t for t in header(app).values() if t[-1] in "↑↓"]
            assert len(arrowed) == 1 and arrowed[0].startswith(
                next(c.title for c in p.table.columns if c.key == p.sort_key).rstrip("↑↓"))
        assert seen == ["name", "state", "health", "cpu", "mem", "name"]  # memory: 4 presses


async def test_clicking_a_header_sorts_by_it() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        table = pane(app).table
        # A real click on the title's cells: x is where the Mem column starts, plus one.
        x = 1 + sum(c.width + 2 * table.cell_padding
                    for c in table.columns[:[c.key for c in table.columns].index("mem")])
        await pilot.click(table, offset=(x, 0))
        await pilot.pause()
        assert pane(app).sort_key == "mem"
        assert shown_names(app)[0].startswith("agents-llm-infer")
        await pilot.click(table, offset=(x, 0))  # again: the other way round
        await pilot.pause()
        assert pane(app).reverse
        await pilot.click(table, offset=(2, 3))  # a row: only the cursor moves
        await pilot.pause()
        assert table.cursor_row == 2 and pane(app).sort_key == "mem"


async def test_group_by_service_adds_group_rows_with_counts() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        await pilot.press("b")
        p = pane(app)
        groups = [k for k in p.row_keys() if k.startswith(GROUP_PREFIX)]
        assert GROUP_PREFIX + "pricing" in groups
        header = p.row_keys().index(GROUP_PREFIX + "pricing")
        assert p.cell_text(GROUP_PREFIX + "pricing", "name") == "▾ pricing"
        assert p.cell_text(GROUP_PREFIX + "pricing", "state") == "3/3 running"
        assert [shown_names(app)[header + i] for i in (1, 2, 3)] == [
            "pricing.1.k3j9x2a1", "pricing.2.p8d0s7q4", "pricing.3.x1m2n3b4"]
        await pilot.press("b")
        assert not any(k.startswith(GROUP_PREFIX) for k in pane(app).row_keys())


async def test_cursor_stays_on_the_same_container_when_rows_move() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        while pane(app).sort_key != "cpu":
            await pilot.press("o")
        p = pane(app)
        await pilot.press("down", "down", "down", "down")
        target = p.selected_key()
        assert target is not None
        orders = {tuple(p.row_keys())}
        for _ in range(6):  # several sweeps: CPU changes and the rows reorder
            app.watcher.arrived(await app.parts.source.sweep())
            await pilot.pause()
            orders.add(tuple(p.row_keys()))
            assert p.selected_key() == target
        assert len(orders) > 1, "the rows never moved, so this test proved nothing"


async def test_enter_opens_details_with_masked_environment() -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await until_loaded(pilot)
        await pilot.press("down", "down", "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.container.name == "fix-gateway"
        tree = app.screen.query_one(Tree)
        labels = []

        def walk(node: Any) -> None:
            labels.append(str(node.label))
            for child in node.children:
                walk(child)

        walk(tree.root)
        joined = "\n".join(labels)
        assert "DB_PASSWORD=••••••" in joined
        assert "s3cr3t" not in joined and "s3cr3t" not in screen_text(app)
        assert "desk-net: ip 10.20.0.10, aliases - (+ fix-gateway, added by docker)" in joined
        await pilot.press("escape")
        assert isinstance(app.screen.query_one(ContainersPane), ContainersPane)


async def test_logs_follow_and_search() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_loaded(pilot)
        await pilot.press("down", "down", "l")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        log = screen.query_one(Log)
        assert log.line_count == 500
        await pilot.press("slash", *"WARN", "enter")
        assert 0 < log.line_count < 500
        assert all("WARN" in line for line in log.lines)
        assert 'search "WARN": 100 lines' in screen_text(app)
        await pilot.press("escape")
        assert log.line_count == 500
        await pilot.press("f")
        assert "paused (f to follow)" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, LogScreen)


async def test_help_lists_every_key_of_the_pane() -> None:
    app = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await until_loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        descriptions = {row[1] for row in app.screen.rows}
        for wanted in ("Quit", "Help", "Filter", "Sort", "Reverse sort", "Sort by memory",
                       "Sort by CPU", "Group", "Logs", "Scale", "Isolate", "Release",
                       "Containers", "Forecasts"):
            assert wanted in descriptions
        rows = app.screen.rows
        assert {where for _key, _what, where in rows} == {"everywhere", "Containers", "lists"}
        keys = {what: key for key, what, _where in rows}
        assert keys["Help"] == "?" and keys["Filter"] == "/" and keys["Fold group"] == "space"
        assert keys["Details / fold group"] == "⏎" and "Select" not in keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_scroll_position_holds_through_refreshes() -> None:
    app = make_app()
    async with app.run_test(size=(100, 12)) as pilot:  # room for a few rows only
        await until_loaded(pilot)
        p = pane(app)
        for _ in range(8):
            await pilot.press("down")
        await pilot.pause()
        scrolled = p.table.scroll_y
        selected = p.selected_key()
        assert scrolled > 0
        for _ in range(4):
            app.watcher.arrived(await app.parts.source.sweep())
            await pilot.pause()
            assert p.table.scroll_y == scrolled and p.selected_key() == selected


async def test_command_palette_offers_fintui_actions() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_loaded(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Show Volumes", "Containers: Filter", "Containers: Group",
                "Containers: sort by CPU%", "Volumes: Clean", "Alerts: Ack", "Keys"} <= titles
        command = next(c for c in app.get_system_commands(app.screen)
                       if c.title == "Containers: sort by Mem / Limit")
        command.callback()
        await pilot.pause()
        assert pane(app).sort_key == "mem"
        assert "sort: Mem / Limit" in screen_text(app)


def test_unknown_theme_is_a_usage_error() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "--theme", "neon"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("fintui: unknown theme 'neon'; available:")
    assert "fintui-dark" in result.stderr and "Traceback" not in result.stderr


async def test_snapshots_arriving_under_a_modal_screen_keep_the_console_running() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_loaded(pilot)
        await pilot.press("question_mark")
        for _ in range(3):  # the poller does not stop while the operator reads the help
            app.watcher.arrived(await app.parts.source.sweep())
            await pilot.pause()
        assert app.is_running and isinstance(app.screen, HelpScreen)
        assert app.snapshots_seen == 4
        await pilot.press("escape")
        assert "recon-worker" in screen_text(app)
